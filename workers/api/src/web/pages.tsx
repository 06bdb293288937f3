/**
 * The two page shells. They hold no data: the scripts fill them from /v1
 * with the signed-in user's token. What is known on the server (the lanes,
 * job kinds and statuses) is rendered here, so the filters are plain HTML.
 */
import { jobKinds, jobStatusValues, lanes } from "@studyhall/core";
import { Layout, SignIn } from "./layout.tsx";

const doctype = (page: unknown) => `<!doctype html>${String(page)}`;

/** `/`: teachers upload, edit, publish and export; students study, take quizzes and chat. */
export function studioPage(): string {
  const nav = (
    <nav id="nav" aria-label="Studio" hidden>
      <ul>
        <li data-roles="teacher admin">
          <a href="#/upload">Upload</a>
        </li>
        <li data-roles="teacher admin">
          <a href="#/courses">Courses</a>
        </li>
        <li data-roles="student operator">
          <a href="#/catalogue">Catalogue</a>
        </li>
        <li data-roles="student operator">
          <a href="#/my-courses">My courses</a>
        </li>
        <li>
          <a href="#/sessions">Sessions</a>
        </li>
      </ul>
    </nav>
  );
  return doctype(
    <Layout title="studyhall studio" script="/web/studio.mjs" brand="studio" nav={nav}>
      <SignIn heading="Sign in to the studio" hint="Teachers turn PDFs into courses here; students study them." />
      <div id="view" hidden></div>
    </Layout>,
  );
}

const options = (values: readonly string[], all: string) => [
  <option value="">{all}</option>,
  ...values.map((v) => <option value={v}>{v}</option>),
];

const laneColumns = [
  "Lane",
  "State",
  "Waiting",
  "Delayed",
  "Active",
  "Completed",
  "Failed",
  "Throughput / min",
  "Failure rate",
  "p50",
  "p95",
];
const jobColumns = ["Created", "Kind", "Title", "Owner", "Lane", "Status", "Progress", "Attempts"];

/** `/admin`: the queue dashboard for admins and (read-only) operators. */
export function adminPage(): string {
  return doctype(
    <Layout title="studyhall queue dashboard" script="/web/admin.mjs" brand="queue dashboard">
      <SignIn heading="Sign in to the queue dashboard" hint="For admins, and for operators (read-only)." />
      <p id="forbidden" class="error card narrow" role="alert" hidden></p>
      <div id="dashboard" hidden>
        <h1>Queue dashboard</h1>
        <p id="role-note" class="hint"></p>

        <section aria-labelledby="lanes-title">
          <h2 id="lanes-title">Lanes</h2>
          <p class="meta">
            <span id="lanes-updated">Loading…</span> <span id="polling-state"></span>
          </p>
          <p class="hint" id="lanes-scope">
            Figures and switches are this organisation's: pausing a lane holds only its jobs, while other organisations' run. A lane paused
            by the platform holds every organisation's jobs until the platform resumes it.
          </p>
          <div class="scroll">
            <table id="lanes">
              <caption class="sr-only">Per lane: jobs by state now, and throughput, failure rate and run times over the last hour</caption>
              <thead>
                <tr>
                  {laneColumns.map((c) => (
                    <th scope="col">{c}</th>
                  ))}
                  <th scope="col" data-admin-only>
                    Action
                  </th>
                </tr>
              </thead>
              <tbody></tbody>
            </table>
          </div>
        </section>

        <section aria-labelledby="bulk-title" data-admin-only>
          <h2 id="bulk-title">Bulk actions</h2>
          <div class="row">
            <button type="button" id="retry-failed">
              Retry all failed jobs
            </button>
            <button type="button" id="requeue-dead">
              Requeue dead-lettered jobs
            </button>
          </div>
          <form id="clean-form" class="row">
            <label for="clean-hours">Delete completed jobs older than (hours)</label>
            <input id="clean-hours" name="hours" type="number" min={0} max={8760} step="any" value="24" required />
            <button type="submit" class="danger">
              Clean
            </button>
          </form>
        </section>

        <section aria-labelledby="jobs-title">
          <h2 id="jobs-title">Jobs</h2>
          {/* biome-ignore lint/a11y/useSemanticElements: the filters are a form (they submit); role="search" makes it the landmark a <search> wrapper would */}
          <form id="job-filter" role="search" aria-label="Filter jobs" class="filters">
            <div class="field">
              <label for="filter-status">Status</label>
              <select id="filter-status" name="status">
                {options(jobStatusValues, "Any status")}
              </select>
            </div>
            <div class="field">
              <label for="filter-kind">Kind</label>
              <select id="filter-kind" name="kind">
                {options(jobKinds, "Any kind")}
              </select>
            </div>
            <div class="field">
              <label for="filter-lane">Lane</label>
              <select id="filter-lane" name="lane">
                {options(lanes, "Any lane")}
              </select>
            </div>
            <div class="field">
              <label for="filter-owner">Owner (email or id)</label>
              <input id="filter-owner" name="owner" type="text" autocomplete="off" maxlength={254} />
            </div>
            <div class="field">
              <label for="filter-q">Text</label>
              <input id="filter-q" name="q" type="search" autocomplete="off" maxlength={200} />
            </div>
            <div class="field check">
              <input id="filter-dead" name="deadLettered" type="checkbox" value="true" />
              <label for="filter-dead">Dead-lettered only</label>
            </div>
            <div class="row">
              <button type="submit">Filter</button>
              <button type="reset" class="secondary">
                Clear
              </button>
            </div>
          </form>
          <p id="job-count" class="meta" aria-live="polite"></p>
          <div class="scroll">
            <table id="jobs">
              <caption class="sr-only">Jobs, newest first; open one for its history</caption>
              <thead>
                <tr>
                  {jobColumns.map((c) => (
                    <th scope="col">{c}</th>
                  ))}
                </tr>
              </thead>
              <tbody></tbody>
            </table>
          </div>
          <button type="button" id="more-jobs" class="secondary" hidden>
            Show older jobs
          </button>
        </section>

        <section id="job-detail" class="card" aria-labelledby="job-title" tabindex={-1} hidden></section>
      </div>
    </Layout>,
  );
}
