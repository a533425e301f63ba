/**
 * The profile form's "Alerts" section: the delivery channels, each off until set, each
 * with a "Send a test" button (POST /api/alerts/test, on the saved settings).
 *
 * The SMTP password is never typed here: the form takes the name of the environment
 * variable the companion reads it from (docs/SECURITY.md).
 */

import { api, errorText } from "../api.js";
import { clear, h, notice } from "../dom.js";
import { splitList } from "./common.js";

function testButton(channel, status) {
  const button = h("button", { class: "btn btn-small", type: "button", id: `al-test-${channel}` }, "Send a test");
  button.addEventListener("click", async () => {
    clear(status);
    button.disabled = true;
    try {
      const done = await api.post("/api/alerts/test", { channel });
      status.append(notice("ok", done.message));
    } catch (err) {
      status.append(notice("error", errorText(err)));
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** { element, collect() }: collect() is the profile's `alerts` value as the form says it. */
export function section(profile) {
  const alerts = profile.alerts || {};
  const mail = alerts.mail || {};
  const status = h("div", { class: "form-status", id: "al-status" });
  const desktop = h("input", { type: "checkbox", id: "al-desktop", checked: Boolean(alerts.desktop) });
  const hook = h("input", { id: "al-webhook", type: "url", placeholder: "https://hooks.slack.com/services/…", value: (alerts.webhook || {}).url || "" });
  const host = h("input", { id: "al-mail-host", type: "text", placeholder: "smtp.example.com", value: mail.host || "" });
  const port = h("input", { id: "al-mail-port", type: "number", min: "1", max: "65535", value: String(mail.port ?? 587) });
  const user = h("input", { id: "al-mail-user", type: "text", placeholder: "login (empty: none)", value: mail.user || "" });
  const env = h("input", { id: "al-mail-env", type: "text", placeholder: "TIERLINK_SMTP_PASSWORD", value: mail.password_env || "" });
  const from = h("input", { id: "al-mail-from", type: "text", inputmode: "email", placeholder: "me@example.com", value: mail.from || "" });
  const to = h("input", { id: "al-mail-to", type: "text", placeholder: "me@example.com", value: (mail.to || []).join(", ") });
  const hour = h("input", { id: "al-mail-hour", type: "number", min: "0", max: "23", value: String(mail.hour ?? 8) });
  const number = (input) => (input.value.trim() !== "" && Number.isFinite(Number(input.value)) ? Number(input.value) : input.value);

  const element = h("section", { class: "alert-settings", id: "pf-alerts" },
    h("h2", {}, "Alerts"),
    h("p", { class: "muted" }, "How Tierlink tells you a link is gone. Each channel is off until set; save the profile, then send a test."),
    h("div", { class: "form-grid" },
      h("label", {}, h("span", {}, "Desktop notification"),
        h("span", { class: "toggle" }, desktop, " Notify me through the browser extension (and count on its badge)"),
        h("small", {}, "The extension looks every minute."), testButton("desktop", status)),
      h("label", {}, h("span", {}, "Webhook"), hook,
        h("small", {}, "A POST of JSON with a text line (Slack, Discord and others take it as it is); retried when it fails."),
        testButton("webhook", status))),
    h("div", { class: "form-grid" },
      h("label", {}, h("span", {}, "Daily e-mail: SMTP server"), host, h("small", {}, "Leave empty for no e-mail. Always STARTTLS.")),
      h("label", {}, h("span", {}, "Port"), port),
      h("label", {}, h("span", {}, "Login"), user),
      h("label", {}, h("span", {}, "Password from the environment variable"), env,
        h("small", {}, "Set it where the companion runs; the password is never stored."))),
    h("div", { class: "form-grid" },
      h("label", {}, h("span", {}, "From"), from),
      h("label", {}, h("span", {}, "To"), to, h("small", {}, "Comma separated.")),
      h("label", {}, h("span", {}, "Hour of the digest (UTC)"), hour, testButton("mail", status))),
    status);

  function collect() {
    const out = {};
    if (desktop.checked) out.desktop = true;
    if (hook.value.trim()) out.webhook = { url: hook.value.trim() };
    if (host.value.trim()) {
      out.mail = { host: host.value.trim(), port: number(port), user: user.value.trim(), password_env: env.value.trim(),
        from: from.value.trim(), to: splitList(to.value), hour: number(hour) };
    }
    return out;
  }
  return { element, collect };
}
