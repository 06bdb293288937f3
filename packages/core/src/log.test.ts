import { describe, expect, it } from "vitest";
import { requestLogLevel } from "./log.ts";

describe("requestLogLevel", () => {
  const info = { LOG_LEVEL: "info" as const, LOG_SAMPLE_RATE: 0.01 };

  it("always writes failed requests, a 5xx as an error and a 4xx as a warning, whatever the sample", () => {
    expect(requestLogLevel(info, 503, 0.99)).toBe("error");
    expect(requestLogLevel(info, 429, 0.99)).toBe("warn");
    expect(requestLogLevel({ ...info, LOG_SAMPLE_RATE: 0 }, 404, 0)).toBe("warn");
  });

  it("writes a sampled share of successful requests at info, and every one at debug", () => {
    expect(requestLogLevel(info, 200, 0.005)).toBe("info");
    expect(requestLogLevel(info, 200, 0.5)).toBeUndefined();
    expect(requestLogLevel({ ...info, LOG_SAMPLE_RATE: 0 }, 304, 0)).toBeUndefined();
    expect(requestLogLevel({ LOG_LEVEL: "debug", LOG_SAMPLE_RATE: 0 }, 200, 0.5)).toBe("info");
  });

  it("drops what the level does not pass", () => {
    expect(requestLogLevel({ LOG_LEVEL: "error", LOG_SAMPLE_RATE: 1 }, 200, 0)).toBeUndefined();
    expect(requestLogLevel({ LOG_LEVEL: "error", LOG_SAMPLE_RATE: 1 }, 401, 0)).toBeUndefined();
    expect(requestLogLevel({ LOG_LEVEL: "error", LOG_SAMPLE_RATE: 1 }, 500, 0)).toBe("error");
  });
});
