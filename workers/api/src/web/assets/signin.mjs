/**
 * Sign-in and the account corner, shared by the studio and the dashboard:
 * the server-rendered form posts to /v1/auth/login through api.mjs, and the
 * page is told when someone signs in or out.
 */
import { currentSession, onSessionChange, signIn, signOut } from "./api.mjs";
import { byId, errorText } from "./dom.mjs";

/**
 * Wires the form and the sign-out button; calls `onChange(session)` now and on every sign-in or sign-out.
 * @example setupAccount((session) => (session ? showApp(session) : showSignIn()));
 */
export function setupAccount(onChange) {
  const form = byId("signin-form");
  const error = byId("signin-error");
  const submit = form.querySelector("button[type=submit]");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const email = form.elements.email.value.trim();
    const password = form.elements.password.value;
    if (!email || !password) {
      error.textContent = "Enter your email and your password.";
      (email ? form.elements.password : form.elements.email).focus();
      return;
    }
    submit.disabled = true;
    try {
      await signIn(email, password);
      form.reset();
    } catch (failure) {
      error.textContent = failure?.status === 401 ? "That email and password do not match an account." : errorText(failure);
      form.elements.password.focus();
    } finally {
      submit.disabled = false;
    }
  });

  byId("sign-out").addEventListener("click", () => signOut());

  const render = (session) => {
    byId("signin").hidden = Boolean(session);
    byId("account").hidden = !session;
    byId("who").textContent = session ? `${session.user.name} (${session.user.role}) · ${session.organisation?.name ?? ""}` : "";
    onChange(session);
    if (!session) form.elements.email.focus();
  };
  onSessionChange(render);
  render(currentSession());
}
