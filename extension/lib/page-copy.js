/**
 * The copy of a page the content script sends on a visit: its serialised DOM without the
 * text of its scripts and styles (issue 25, docs/BENCHMARKS.md "The extension").
 *
 * A classic script, listed before content.js in the manifest (content scripts cannot
 * import modules): it leaves one function on the content script's own global, never
 * the page's. The node tests import it for that side effect.
 *
 * Why: scripts and styles are most of a large page (the largest corpus page: 1.63 M
 * characters, 0.51 M without them), and every character costs the visit twice more after
 * the copy (the message to the background, the fetch to the companion) and again in the
 * companion's parse. What the companion reads on a visit stays the same:
 * - JSON-LD (`type=…ld+json`) keeps its text (the contacts read it);
 * - a script or style inside a link or a heading keeps its text: a link's text and a
 *   heading's are their whole text content, scripts and styles included (an inline
 *   SVG icon's `<style>` inside a link is common);
 * - the page's own text leaves script and style text out in the companion
 *   (verdicts.page_features), so it reads the same from either copy;
 * - the elements stay, empty, with their attributes (`src`, `type`): the tree is the same.
 * Where the whole page is wanted (the popup's analysis, which reads the contacts from the
 * raw page too; a browser check, kept as its receipt) the full `outerHTML` goes, as before.
 *
 * How: one pass of a regular expression over the serialisation, whose shape is fixed
 * (attribute values in double quotes, `"` escaped; `<` escaped in text; script and style
 * text raw). Every tag is consumed whole, so a `<script` inside an attribute value is
 * never taken for one. 2.5 ms on the largest corpus page in Chromium, against 9–16 ms for
 * `outerHTML` itself; a DOM copy emptied of scripts (`importNode`) took 27 ms.
 */
globalThis.tierlinkPageCopy = (() => {
  // A comment | a script or style element, its attributes and its text | any other tag.
  const TOKEN = /<!--[\s\S]*?-->|<(script|style)(?=[\s/>])((?:[^>"]|"[^"]*")*)>([\s\S]*?)<\/\1>|<(\/?)([a-zA-Z][^\s/>]*)(?:[^>"]|"[^"]*")*>/g;
  const KEEPS_TEXT = /^(a|h[1-6])$/; // a link's or a heading's text is all its text
  const JSON_LD = /\btype\s*=\s*"[^"]*ld\+json/i;

  /** `html` (a serialised DOM) without the text of its scripts and styles, as said above. */
  function withoutScriptText(html) {
    let inside = 0; // open links and headings around the current position
    return html.replace(TOKEN, (whole, rawTag, attrs, text, close, name) => {
      if (rawTag === undefined) {
        if (name !== undefined && KEEPS_TEXT.test(name.toLowerCase())) {
          inside = close ? Math.max(0, inside - 1) : inside + 1;
        }
        return whole;
      }
      if (!text || inside > 0 || JSON_LD.test(attrs)) return whole;
      return `<${rawTag}${attrs}></${rawTag}>`;
    });
  }

  /** The page as sent on a visit (`trim`), or whole. */
  function page(trim) {
    const html = document.documentElement.outerHTML;
    return { url: location.href, html: trim ? withoutScriptText(html) : html, title: document.title };
  }

  return { withoutScriptText, page };
})();
