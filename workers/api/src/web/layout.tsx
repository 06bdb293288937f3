/**
 * The frame both pages share: document head (our stylesheet and one module
 * script, nothing from elsewhere), a skip link, the top bar with the account
 * and sign-out, a polite live region for what just happened, and the sign-in
 * form the scripts reveal when no one is signed in.
 */
import type { Child } from "hono/jsx";

export function Layout(props: { title: string; script: string; brand: string; nav?: Child; children: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{props.title}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/web/app.css" />
        <script type="module" src={props.script}></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="bar">
          <p class="brand">
            studyhall <span>{props.brand}</span>
          </p>
          {props.nav ?? null}
          <Account />
        </header>
        <StatusRegion />
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <noscript>This page needs JavaScript: it reads everything it shows from the studyhall API.</noscript>
      </body>
    </html>
  );
}

/** The account corner: who is signed in, and the way out. Hidden until someone is. */
export function Account() {
  return (
    <div class="account" id="account" hidden>
      <span id="who"></span>
      <button type="button" id="sign-out" class="secondary">
        Sign out
      </button>
    </div>
  );
}

/** Where the scripts say what happened (saved, queued, failed): read out politely. */
export function StatusRegion() {
  return <div id="status" class="status" role="status" aria-live="polite"></div>;
}

/** Email and password; the scripts post them to /v1/auth/login. */
export function SignIn(props: { heading: string; hint?: string }) {
  return (
    <section id="signin" class="card narrow" aria-labelledby="signin-title" hidden>
      <h1 id="signin-title">{props.heading}</h1>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      <form id="signin-form" novalidate>
        <div class="field">
          <label for="signin-email">Email</label>
          <input id="signin-email" name="email" type="email" autocomplete="username" required />
        </div>
        <div class="field">
          <label for="signin-password">Password</label>
          <input id="signin-password" name="password" type="password" autocomplete="current-password" required minlength={8} />
        </div>
        <p id="signin-error" class="error" role="alert"></p>
        <button type="submit">Sign in</button>
      </form>
    </section>
  );
}
