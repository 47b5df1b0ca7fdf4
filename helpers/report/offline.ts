// Make an Allure 3 single-file report safe to open offline: no request leaves the machine.
//
// What Allure 3 (allure 3.18.0, @allurereport/plugin-awesome generators.js) injects: its HTML
// template ends with a Google Analytics (gtag.js) block, rendered under `{{#if analyticsEnable}}`,
// and the awesome plugin hard-codes `analyticsEnable: true` (there is no config option; the
// ALLURE_NO_ANALYTICS env var is honoured only by the allure2 plugin). Rendered, it reads:
//
//     <script async src="https://www.googletagmanager.com/gtag/js?id=G-LNDJ3J7WT0"></script>
//     <script>
//         window.dataLayer = window.dataLayer || [];
//         function gtag(){dataLayer.push(arguments);}
//         gtag('js', new Date());
//         gtag('config', 'G-LNDJ3J7WT0', {
//           "report": "awesome",
//           "allureVersion": "3.18.0",
//           "reportUuid": "…",
//           "single_file": "true"
//         });
//     </script>
//
// Everything else in the file (app bundle, CSS, fonts, favicon, report data) is inlined as
// data: URIs. makeOffline removes exactly those two <script> elements, fails loudly if they are
// not where expected (a future Allure changed its template: re-audit instead of passing
// silently), re-scans the result with findExternalRefs, and pins a Content-Security-Policy that
// allows only inline/data:/blob: resources as a second line of defence.

/** The gtag.js loader: `<script async src="https://www.googletagmanager.com/gtag/js?id=G-…"></script>`. */
const GTAG_LOADER =
  /[ \t]*<script\b[^>]*\bsrc\s*=\s*["']https:\/\/www\.googletagmanager\.com\/gtag\/js\?id=[\w-]+["'][^>]*>\s*<\/script>[ \t]*\r?\n?/g;

/** The inline gtag bootstrap: a src-less <script> that sets up window.dataLayer and calls gtag('config', …). */
const GTAG_INLINE =
  /[ \t]*<script\b(?![^>]*\bsrc\s*=)[^>]*>(?:(?!<\/script>)[\s\S])*?window\.dataLayer(?:(?!<\/script>)[\s\S])*?\bgtag\(\s*['"]config['"](?:(?!<\/script>)[\s\S])*<\/script>[ \t]*\r?\n?/g;

/**
 * CSP for the offline report. The app is one inline-able bundle (data: script), inline styles,
 * data: fonts/images, and attachments read through data:/blob: URLs; nothing needs http(s).
 * base-uri is left open on purpose: Allure's inline script adds a <base> pointing at the file itself.
 */
export const OFFLINE_CSP = [
  "default-src 'none'",
  "script-src 'unsafe-inline' 'unsafe-eval' data: blob:",
  "style-src 'unsafe-inline' data: blob:",
  "img-src data: blob:",
  "font-src data:",
  "connect-src data: blob:",
  "media-src data: blob:",
  "frame-src data: blob:",
  "child-src data: blob:",
  "worker-src data: blob:",
  "object-src 'none'",
  "manifest-src 'none'",
].join("; ");

const CSP_META = `<meta http-equiv="Content-Security-Policy" content="${OFFLINE_CSP}">`;

export class OfflineRewriteError extends Error {
  override name = "OfflineRewriteError";
}

export interface MakeOfflineOptions {
  /** Throw if the known Allure analytics block is not found (default true). */
  strict?: boolean;
  /** Insert the Content-Security-Policy <meta> (default true). */
  csp?: boolean;
}

export interface OfflineResult {
  html: string;
  /** The exact snippets removed, in document order. */
  removed: string[];
  /** Snippets added (the CSP <meta>). */
  added: string[];
}

/** Telemetry markers that are suspicious anywhere in executable code, with or without a literal URL. */
const TELEMETRY_MARKERS: [RegExp, string][] = [
  [/googletagmanager\.com/i, "googletagmanager.com"],
  [/google-analytics\.com/i, "google-analytics.com"],
  [/\bgtag\s*\(/, "gtag("],
  [/\bnavigator\.sendBeacon\b|\bsendBeacon\s*\(/, "sendBeacon"],
];

/** Absolute network URLs: http(s), ws(s), ftp, or protocol-relative (//host/…). */
const EXTERNAL_URL = /^\s*(?:(?:https?|wss?|ftp):)?\/\/[^/\s]/i;
const EXTERNAL_URL_LITERAL = /(["'`])((?:(?:https?|wss?|ftp):)?\/\/[a-z0-9][a-z0-9.-]*[^"'`\s]*)\1/gi;

/** Elements whose URL attributes the browser fetches on its own (not <a>/<area>: those need a click). */
const LOADING_TAGS = new Set([
  "script", "link", "img", "iframe", "frame", "source", "video", "audio", "track", "embed",
  "object", "input", "image", "use", "base", "meta", "body", "table", "td", "th", "feimage",
]);
const URL_ATTRS = new Set(["src", "href", "xlink:href", "srcset", "poster", "data", "background", "action", "formaction", "imagesrcset", "ping"]);

function attrs(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([^\s"'<>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;
  const body = tag.replace(/^<\s*[^\s>\/]+/, "").replace(/\/?>$/, "");
  for (const m of body.matchAll(re)) out.set(m[1]!.toLowerCase(), m[2] ?? m[3] ?? m[4] ?? "");
  return out;
}

function scanCss(css: string, where: string, found: string[]): void {
  for (const m of css.matchAll(/url\(\s*(["']?)([^"')]*)\1\s*\)/gi)) {
    if (EXTERNAL_URL.test(m[2]!)) found.push(`${where} url(): ${m[2]!.trim()}`);
  }
  for (const m of css.matchAll(/@import\s+(["'])([^"']+)\1/gi)) {
    if (EXTERNAL_URL.test(m[2]!)) found.push(`${where} @import: ${m[2]}`);
  }
}

function scanMarkers(code: string, where: string, found: string[]): void {
  for (const [re, label] of TELEMETRY_MARKERS) if (re.test(code)) found.push(`${where}: ${label}`);
}

function decodeDataUri(uri: string): { mime: string; text: string } | null {
  const m = /^data:([^;,]*)((?:;[^;,]*)*),/i.exec(uri);
  if (!m) return null;
  const payload = uri.slice(m[0].length);
  const base64 = /;base64/i.test(m[2]!);
  try {
    const text = base64 ? Buffer.from(payload, "base64").toString("utf8") : decodeURIComponent(payload);
    return { mime: m[1]!.toLowerCase(), text };
  } catch {
    return null;
  }
}

/** `window.allureReportOptions = {…}`: pure JSON data (it can hold CI links, which are never fetched). */
function isReportOptionsData(code: string): boolean {
  const m = /^\s*window\.allureReportOptions\s*=\s*([\s\S]*?);?\s*$/.exec(code);
  if (!m) return false;
  try {
    JSON.parse(m[1]!);
    return true;
  } catch {
    return false;
  }
}

/**
 * List everything in the document that would make (or is built to make) a request to another
 * host when the page is opened: external URLs in fetching attributes of loading elements
 * (<script src>, <link href>, <img src>, <iframe src>, <meta http-equiv=refresh>, …), CSS url()
 * and @import in <style>, style="" and inlined data: stylesheets, external URL literals in inline
 * scripts, and telemetry markers (googletagmanager, google-analytics, gtag(, sendBeacon) in
 * inline scripts and inlined data: scripts. Link targets (<a href>) and XML namespaces are not
 * requests and are ignored; so are generic URL strings inside the inlined app bundle (UI links,
 * SVG namespaces), which are checked for telemetry markers only. Returns human-readable
 * `where: what` strings; empty means nothing found.
 */
export function findExternalRefs(html: string): string[] {
  const found: string[] = [];

  // Inline <script> and <style> bodies (raw-text elements: their content is not markup).
  const rawText = /<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi;
  const markupOnly = html.replace(rawText, (_all, name: string, attrText: string) => `<${name}${attrText}></${name}>`);
  for (const m of html.matchAll(rawText)) {
    const kind = m[1]!.toLowerCase();
    const a = attrs(`<${kind}${m[2]}>`);
    const body = m[3]!;
    if (!body.trim()) continue;
    if (kind === "style") {
      scanCss(body, "inline <style>", found);
      continue;
    }
    if (a.has("src")) continue; // body of a src'd script is ignored by browsers
    const type = (a.get("type") ?? "").toLowerCase();
    if (type && !/javascript|ecmascript|module/.test(type)) continue; // JSON/template blocks
    scanMarkers(body, "inline <script>", found);
    if (isReportOptionsData(body)) continue;
    for (const u of body.matchAll(EXTERNAL_URL_LITERAL)) found.push(`inline <script> URL: ${u[2]}`);
  }

  // Tags and their attributes.
  for (const m of markupOnly.matchAll(/<([a-z][a-z0-9:-]*)\b(?:[^>"']|"[^"]*"|'[^']*')*>/gi)) {
    const tag = m[1]!.toLowerCase();
    const a = attrs(m[0]);
    const style = a.get("style");
    if (style) scanCss(style, `<${tag} style>`, found);
    if (!LOADING_TAGS.has(tag)) continue;
    if (tag === "meta") {
      const equiv = (a.get("http-equiv") ?? "").toLowerCase();
      const content = a.get("content") ?? "";
      const url = /url\s*=\s*['"]?([^'";]+)/i.exec(content)?.[1];
      if (equiv === "refresh" && url && EXTERNAL_URL.test(url)) found.push(`<meta refresh>: ${url}`);
      continue;
    }
    for (const [name, value] of a) {
      if (!URL_ATTRS.has(name)) continue;
      const candidates = name.endsWith("srcset") ? value.split(",").map((s) => s.trim().split(/\s+/)[0] ?? "") : [value];
      for (const c of candidates) {
        if (EXTERNAL_URL.test(c)) {
          found.push(`<${tag} ${name}>: ${c.trim()}`);
          continue;
        }
        // Inlined resources: scan stylesheets fully, scripts for telemetry markers.
        if (/^\s*data:/i.test(c) && (tag === "script" || tag === "link")) {
          const decoded = decodeDataUri(c.trim());
          if (!decoded) continue;
          if (decoded.mime.includes("css")) scanCss(decoded.text, `<${tag} ${name}=data:${decoded.mime}>`, found);
          else if (decoded.mime.includes("javascript")) scanMarkers(decoded.text, `<${tag} ${name}=data:${decoded.mime}>`, found);
        }
      }
    }
  }
  return found;
}

/**
 * Remove Allure 3's analytics (see the header comment), add the offline CSP, and verify the
 * result with findExternalRefs. Throws OfflineRewriteError when (strict) the known analytics
 * block is not found, or when any external reference remains afterwards.
 */
export function makeOffline(html: string, options: MakeOfflineOptions = {}): OfflineResult {
  const { strict = true, csp = true } = options;
  const removed: string[] = [];
  const added: string[] = [];

  let out = html.replace(GTAG_LOADER, (s) => (removed.push(s.trim()), ""));
  const loaders = removed.length;
  out = out.replace(GTAG_INLINE, (s) => (removed.push(s.trim()), ""));
  const inlines = removed.length - loaders;

  if (strict && (loaders === 0 || inlines === 0)) {
    throw new OfflineRewriteError(
      `Allure's analytics block was not found where expected (gtag.js loader: ${loaders}, inline gtag config: ${inlines}). ` +
        "The Allure report template has changed: re-audit the generated HTML for outbound requests and update helpers/report/offline.ts.",
    );
  }

  if (csp) {
    if (/http-equiv\s*=\s*["']?content-security-policy/i.test(out)) {
      if (strict) throw new OfflineRewriteError("the report already carries a Content-Security-Policy <meta>; refusing to add a second one");
    } else {
      const anchor = /<meta\s+charset\s*=\s*["']?[\w-]+["']?\s*\/?>/i.exec(out) ?? /<head\b[^>]*>/i.exec(out);
      if (!anchor) {
        if (strict) throw new OfflineRewriteError("no <head> (or <meta charset>) to anchor the Content-Security-Policy <meta>");
      } else {
        const at = anchor.index + anchor[0].length;
        out = `${out.slice(0, at)}\n    ${CSP_META}${out.slice(at)}`;
        added.push(CSP_META);
      }
    }
  }

  const left = findExternalRefs(out);
  if (left.length > 0) {
    throw new OfflineRewriteError(
      `the report still references external resources after removing Allure's analytics:\n  ${left.join("\n  ")}\n` +
        "Re-audit the generated HTML and extend helpers/report/offline.ts.",
    );
  }
  return { html: out, removed, added };
}
