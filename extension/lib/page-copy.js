/**
 * The copy of a page the content script sends on a visit: its serialised DOM without the
 * text of its scripts and styles, its comments, the drawings of its text-less SVG icons and
 * the indentation between its tags (issue 25, docs/BENCHMARKS.md "The extension").
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
 * - the elements stay, empty, with their attributes (`src`, `type`): the tree is the same;
 * - comments go (the companion reads none);
 * - an `<svg>` outside links and headings loses its content when that content has no text
 *   (no `<title>`, `<text>`, `<style>` text), no link and no inner `<svg>`: an icon's paths,
 *   which only cost the parse (10% of the largest page once its scripts are gone);
 * - whitespace between two tags keeps its first character (the companion collapses runs of
 *   ASCII whitespace in every text it reads; a no-break space is text and stays): a third of
 *   the largest page's copy was indentation.
 * Where the whole page is wanted (the popup's analysis, which reads the contacts from the
 * raw page too; a browser check, kept as its receipt) the full `outerHTML` goes, as before.
 *
 * How: one pass of a regular expression over the serialisation, whose shape is fixed
 * (attribute values in double quotes, `"` escaped; `<` escaped in text; script and style
 * text raw). Every tag is consumed whole, so a `<script` inside an attribute value is
 * never taken for one, nor a run of whitespace inside a tag for indentation. 2.5 ms on the
 * largest corpus page in Chromium (scripts and styles only), against 9–16 ms for `outerHTML`
 * itself; a DOM copy emptied of scripts (`importNode`) took 27 ms. The same verdict, every
 * field, from the whole page and from this copy on all 131 corpus pages:
 * tests/test_extension_page_copy.py.
 */
globalThis.tierlinkPageCopy = (() => {
  // A comment | a script or style element, its attributes and its text | an <svg> element, its
  // attributes and its content | any other tag | a run of whitespace between two tags.
  const TOKEN = /<!--[\s\S]*?-->|<(script|style)(?=[\s/>])((?:[^>"]|"[^"]*")*)>([\s\S]*?)<\/\1>|<svg(?=[\s/>])((?:[^>"]|"[^"]*")*)>([\s\S]*?)<\/svg>|<(\/?)([a-zA-Z][^\s/>]*)(?:[^>"]|"[^"]*")*>|(?<=>)[ \t\n\r\f]{2,}(?=<)/g;
  const KEEPS_TEXT = /^(a|h[1-6])$/; // a link's or a heading's text is all its text
  const JSON_LD = /\btype\s*=\s*"[^"]*ld\+json/i;
  // What an <svg> keeps its content for: text of its own (a <title>, a <text>, a <style>), a
  // link, another <svg> (the lazy match above would have stopped at the inner one's end).
  const SVG_KEEPS = /(?:^|>)[^<]*[^ \t\n\r\f<]|<(?:a|svg)[\s/>]/i;

  /**
   * `html` (a serialised DOM) without what the companion never reads, as said above: the text of
   * its scripts and styles, its comments, the drawing inside an <svg> that has no text or link,
   * and all but the first character of whitespace between two tags.
   */
  function withoutScriptText(html) {
    let inside = 0; // open links and headings around the current position
    return html.replace(TOKEN, (whole, rawTag, attrs, text, svgAttrs, svgInner, close, name) => {
      if (rawTag !== undefined) {
        if (!text || inside > 0 || JSON_LD.test(attrs)) return whole;
        return `<${rawTag}${attrs}></${rawTag}>`;
      }
      if (svgAttrs !== undefined) {
        if (!svgInner || inside > 0 || SVG_KEEPS.test(svgInner)) return whole;
        return `<svg${svgAttrs}></svg>`;
      }
      if (name !== undefined) {
        if (KEEPS_TEXT.test(name.toLowerCase())) inside = close ? Math.max(0, inside - 1) : inside + 1;
        return whole;
      }
      return whole[0] === '<' ? '' : whole[0]; // a comment; whitespace between tags
    });
  }

  /** The page as sent on a visit (`trim`), or whole. */
  function page(trim) {
    const html = document.documentElement.outerHTML;
    return { url: location.href, html: trim ? withoutScriptText(html) : html, title: document.title };
  }

  return { withoutScriptText, page };
})();
