import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { shQuote, wrapCommand } from "../../helpers/transport/shell.ts";

describe("shell quoting", () => {
  it.each(["plain", "it's", "a b", "$HOME `id` $(id)", "'", "", "line\nbreak", `"dq" \\ back`])("round-trips %j through a real sh", async (arg) => {
    const r = await execa("/bin/sh", ["-c", `printf '%s' ${shQuote(arg)}`]);
    expect(r.stdout).toBe(arg);
  });

  it("wraps commands in a plain sh with the C locale, optionally through sudo -n", () => {
    expect(wrapCommand("ss -H -ltn")).toBe("LC_ALL=C exec /bin/sh -c 'ss -H -ltn'");
    expect(wrapCommand("id", { sudo: true })).toBe("LC_ALL=C exec sudo -n /bin/sh -c id");
  });
});
