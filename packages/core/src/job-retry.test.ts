import { describe, expect, it } from "vitest";
import { pagesOfTooManyPages, permanentFailure, retryConditionOf } from "./job-retry.ts";

const failure = (type: string, retryable = false, detail?: string) => ({
  type: `/problems/${type}`,
  title: "It failed",
  detail,
  retryable,
});

describe("retryConditionOf", () => {
  it("lets a job go back whenever its error was transient, or it has none", () => {
    expect(retryConditionOf(null)).toBe("anytime");
    expect(retryConditionOf(failure("job-attempt-failed", true))).toBe("anytime");
    expect(retryConditionOf(failure("pdf-encrypted", true))).toBe("anytime");
  });

  it("lets back what can have changed outside the job: quota, deployment settings, delivery, the model's answer", () => {
    for (const type of [
      "quota-exceeded",
      "llm-unauthorized",
      "llm-misconfigured",
      "llm-rejected",
      "llm-invalid-output",
      "report-misquoted",
      "job-crashed",
      "job-dead-lettered",
      "job-attempt-failed",
    ])
      expect(retryConditionOf(failure(type)), type).toBe("anytime");
  });

  it("waits for the document to be parsed, or the page limit to be raised", () => {
    expect(retryConditionOf(failure("document-not-parsed"))).toBe("document-parsed");
    expect(retryConditionOf(failure("pdf-too-many-pages"))).toBe("page-limit-raised");
  });

  it("refuses what the same input would fail the same way, and any type it does not know", () => {
    for (const type of ["pdf-encrypted", "pdf-damaged", "pdf-no-text", "bad-payload", "not-found", "llm-no-teachable-text", "no-such-type"])
      expect(retryConditionOf(failure(type)), type).toBe("never");
  });
});

describe("pagesOfTooManyPages", () => {
  it("reads the page count from the parse's detail", () => {
    expect(pagesOfTooManyPages(failure("pdf-too-many-pages", false, "The PDF has 14 pages; at most 10 can be parsed."))).toBe(14);
    expect(pagesOfTooManyPages(failure("pdf-too-many-pages", false, "Too long."))).toBeNull();
    expect(pagesOfTooManyPages(failure("pdf-too-many-pages"))).toBeNull();
  });
});

describe("permanentFailure", () => {
  it("is a 409 that names the failure and says why running it again will not help", () => {
    const problem = permanentFailure({ type: "/problems/pdf-encrypted", title: "The PDF is password-protected" });
    expect(problem).toMatchObject({ type: "conflict", status: 409, extensions: { jobError: "/problems/pdf-encrypted" } });
    expect(problem.detail).toBe("This job failed permanently: The PDF is password-protected; running it again would fail the same way.");
  });
});
