/**
 * Sign-in and the account corner, shared by the studio and the dashboard:
 * the server-rendered form posts to /v1/auth/login through api.mjs, and the
 * page is told when someone signs in or out.
 */
import { ApiError, currentSession, onSessionChange, signIn, signOut } from "./api.mjs";
import { byId, errorText, find } from "./dom.mjs";

/** @typedef {import("./api.mjs").Session} Session */

/**
 * Wires the form and the sign-out button; calls `onChange(session)` now and on every sign-in or sign-out.
 * @example setupAccount((session) => (session ? showApp(session) : showSignIn()));
 * @param {(session: Session | null) => void} onChange
 */
export function setupAccount(onChange) {
  const form = byId("signin-form", HTMLFormElement);
  const emailInput = byId("signin-email", HTMLInputElement);
  const passwordInput = byId("signin-password", HTMLInputElement);
  const error = byId("signin-error");
  const submit = find(form, "button[type=submit]", HTMLButtonElement);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const email = emailInput.value.trim();
    const password = passwordInput.value;
    if (!email || !password) {
      error.textContent = "Enter your email and your password.";
      (email ? passwordInput : emailInput).focus();
      return;
    }
    submit.disabled = true;
    try {
      await signIn(email, password);
      form.reset();
    } catch (failure) {
      error.textContent =
        failure instanceof ApiError && failure.status === 401 ? "That email and password do not match an account." : errorText(failure);
      passwordInput.focus();
    } finally {
      submit.disabled = false;
    }
  });

  byId("sign-out").addEventListener("click", () => signOut());

  /** @param {Session | null} session */
  const render = (session) => {
    byId("signin").hidden = Boolean(session);
    byId("account").hidden = !session;
    byId("who").textContent = session ? `${session.user.name} (${session.user.role}) · ${session.organisation?.name ?? ""}` : "";
    onChange(session);
    if (!session) emailInput.focus();
  };
  onSessionChange(render);
  render(currentSession());
}
