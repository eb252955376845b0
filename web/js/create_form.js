// web/js/create_form.js - the "create a network" form: POST /api/networks, and
// the server's {"error", "field"} shown next to the field it names.
import {api, ApiError} from './api.js';

/** Wires the form; onCreated(network) after a 201. */
export function setupCreateForm(onCreated) {
  const form = document.getElementById('create-network');
  const toggle = document.getElementById('new-network-toggle');
  const cancel = document.getElementById('create-cancel');

  const show = (open) => {
    form.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open) form.elements.name.focus();
  };
  toggle.addEventListener('click', () => show(form.hidden));
  cancel.addEventListener('click', () => { clearErrors(form); show(false); toggle.focus(); });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const spec = specFrom(form);
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      const network = await api('/api/networks', {method: 'POST', body: spec});
      form.reset();
      show(false);
      onCreated(network);
    } catch (err) {
      showError(form, err);
    } finally {
      submit.disabled = false;
    }
  });
}

/** The POST body: the config file's [[network]] keys; the token only when given. */
export function specFrom(form) {
  const f = form.elements;
  const spec = {
    name: f.name.value.trim(),
    subnet: f.subnet.value.trim(),
    egress: f.egress.value,
    dhcp: f.dhcp.checked,
    dns: f.dns.checked,
  };
  const token = f.token.value.trim();
  if (token) spec.token = token;
  return spec;
}

function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-field]')) el.textContent = '';
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// "subnet" or "rule[1].ports" -> the message under that field; otherwise the
// form's general message.
function showError(form, err) {
  const message = err instanceof ApiError ? err.message : `The request failed: ${err.message}`;
  const field = err instanceof ApiError ? err.field.split(/[.[]/)[0] : '';
  const slot = field && form.querySelector(`.field-error[data-field="${CSS.escape(field)}"]`);
  if (slot) {
    slot.textContent = message;
    const input = form.elements[field];
    if (input && input.setAttribute) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  } else {
    form.querySelector('.form-error').textContent = message;
  }
}
