/* newsdigest search: the engine over search-index.js (window.DIGEST_SEARCH), and the search page.
   Words are split as digest/search.py splits them: lowercase, accents removed, letters and digits;
   Chinese and Japanese (no spaces between words) as overlapping pairs of characters. */
(function (global) {
  "use strict";

  var MAX_RESULTS = 50;

  /* digest/text.py CJK: Han, Hiragana, Katakana. */
  var CJK = "\u3005-\u3007\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff" +
    "\uf900-\ufaff\uff66-\uff9f\u{20000}-\u{2fa1f}";
  var PIECE = new RegExp("[" + CJK + "]+|[^" + CJK + "]+", "gu"), IS_CJK = new RegExp("^[" + CJK + "]", "u");

  /* A word's CJK runs as overlapping pairs of characters (a lone character as itself), as digest/text.py's
     split_cjk. */
  function pairs(word) {
    var out = [];
    (word.match(PIECE) || []).forEach(function (piece) {
      if (!IS_CJK.test(piece)) { out.push(piece); return; }
      var chars = Array.from(piece);
      if (chars.length < 2) out.push(piece);
      for (var i = 0; i + 1 < chars.length; i++) out.push(chars[i] + chars[i + 1]);
    });
    return out;
  }

  function words(text) {
    var folded = text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "");
    var found = folded.match(/[\p{L}\p{N}]+/gu) || [];
    return [].concat.apply([], found.map(pairs)).filter(function (w) { return w.length <= 32; });
  }

  /* Postings: gaps (less one) between doc numbers in base 32; a number's last digit is one of LAST,
     the digits before it are from MORE (see digest/search.py). */
  var LAST = "0123456789abcdefghijklmnopqrstuv", MORE = "ABCDEFGHIJKLMNOPQRSTUVWXYZwxyz-_";

  function decode(encoded) {
    var out = [], previous = -1, value = 0;
    for (var i = 0; i < encoded.length; i++) {
      var c = encoded.charAt(i), last = LAST.indexOf(c);
      if (last < 0) {
        value = value * 32 + MORE.indexOf(c);
      } else {
        previous += value * 32 + last + 1;
        out.push(previous);
        value = 0;
      }
    }
    return out;
  }

  /* A query engine over one index. search(query) -> {total, results: [{doc, score}], ignored: [words]}. */
  function Engine(index) {
    this.index = index;
    this.lookup = new Map();
    for (var i = 0; i < index.terms.length; i++) this.lookup.set(index.terms[i], i);
    this.common = new Set(index.common);
    this.decoded = new Map();
  }

  Engine.prototype.docsOf = function (term) {
    if (!this.decoded.has(term)) this.decoded.set(term, decode(this.index.postings[term]));
    return this.decoded.get(term);
  };

  /* Articles holding `word`, or, for words of 3 letters or more (or one CJK character), any word it begins. */
  Engine.prototype.matching = function (word) {
    var found = new Set(), terms = this.index.terms, self = this;
    var exact = this.lookup.get(word);
    if (exact !== undefined) this.docsOf(exact).forEach(function (d) { found.add(d); });
    if (word.length >= 3 || IS_CJK.test(word)) {
      for (var t = 0; t < terms.length; t++) {
        if (terms[t].length > word.length && terms[t].lastIndexOf(word, 0) === 0) {
          self.docsOf(t).forEach(function (d) { found.add(d); });
        }
      }
    }
    return found;
  };

  Engine.prototype.search = function (query) {
    var self = this, docs = this.index.docs, total = docs.length;
    var asked = Array.from(new Set(words(query)));
    var ignored = asked.filter(function (w) { return self.common.has(w); });
    var wanted = asked.filter(function (w) { return !self.common.has(w); });
    if (!wanted.length) return { total: 0, results: [], ignored: ignored };
    var sets = wanted.map(function (w) { return self.matching(w); });
    var weights = sets.map(function (set) { return Math.log(1 + total / Math.max(1, set.size)); });
    var smallest = sets.slice().sort(function (a, b) { return a.size - b.size; });
    var results = [];
    smallest[0].forEach(function (doc) {
      for (var s = 1; s < smallest.length; s++) if (!smallest[s].has(doc)) return;
      var title = words(docs[doc][1]), score = 0;
      wanted.forEach(function (w, n) {
        var weight = weights[n];
        var inTitle = title.some(function (t) { return t.lastIndexOf(w, 0) === 0; });
        score += weight * (inTitle ? 3 : 1);
      });
      results.push({ doc: doc, score: score });
    });
    /* Equally good matches newest first: the index numbers articles oldest first. */
    results.sort(function (a, b) { return b.score - a.score || b.doc - a.doc; });
    return { total: results.length, results: results, ignored: ignored };
  };

  Engine.words = words;
  Engine.decode = decode;
  Engine.MAX_RESULTS = MAX_RESULTS;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  function humanDate(iso) {
    var parts = /^(\d{4})-(\d\d)-(\d\d)/.exec(iso || "");
    return parts ? Number(parts[3]) + " " + MONTHS[Number(parts[2]) - 1] + " " + parts[1] : "";
  }

  function plural(count, word) { return count + " " + word + (count === 1 ? "" : "s"); }

  function show(engine, query, list, status, root) {
    list.textContent = "";
    if (!words(query).length) {
      status.textContent = "Type a word to search every article.";
      return;
    }
    var found = engine.search(query), index = engine.index;
    var note = found.ignored.length ? " (ignored, in most articles: " + found.ignored.join(", ") + ")" : "";
    status.textContent = (found.total ? plural(found.total, "article") : "No articles") +
      " match \u201c" + query.trim() + "\u201d" + note +
      (found.total > MAX_RESULTS ? "; the best " + MAX_RESULTS + " are shown." : ".");
    found.results.slice(0, MAX_RESULTS).forEach(function (hit) {
      var doc = index.docs[hit.doc];
      var item = element("li", "result");
      var link = element("a", "result-title", doc[1]);
      link.href = root + index.page[0] + doc[0] + index.page[1];
      item.appendChild(link);
      var meta = [doc[2], humanDate(doc[3])].filter(Boolean).join(" \u00b7 ");
      if (meta) item.appendChild(element("p", "meta", meta));
      if (doc[4]) item.appendChild(element("p", "result-snippet", doc[4]));
      list.appendChild(item);
    });
  }

  function start() {
    var list = document.getElementById("search-results");
    var status = document.getElementById("search-status");
    var input = document.getElementById("q");
    if (!list || !status || !input) return;
    if (!global.DIGEST_SEARCH) {
      status.textContent = "The search index did not load.";
      return;
    }
    var engine = new Engine(global.DIGEST_SEARCH), root = list.getAttribute("data-root") || "";
    var query = new URLSearchParams(global.location.search).get("q") || "";
    input.value = query;
    document.querySelectorAll(".needs-js").forEach(function (n) { n.hidden = true; });
    var timer = 0;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { show(engine, input.value, list, status, root); }, 120);
    });
    show(engine, query, list, status, root);
  }

  if (typeof module === "object" && module.exports) {
    module.exports = Engine;
  } else {
    global.DigestSearch = Engine;
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})(typeof window === "undefined" ? globalThis : window);
