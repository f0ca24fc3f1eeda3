// Credence web page: sends one article to POST /v1/explain and shows the
// verdict, the words that drove it and the model card (GET /v1/model).
// Plain DOM, no framework, nothing loaded from elsewhere. Untrusted text is
// only ever put in the page as text nodes, never as HTML.
(function () {
  "use strict";

  var FEATURES_EACH_WAY = 8;
  var FEATURES_REQUESTED = 200; // the server's most; we split them by sign

  var $ = function (id) { return document.getElementById(id); };
  var els = {
    form: $("check-form"), title: $("title"), text: $("text"), file: $("file"),
    dropzone: $("dropzone"), chip: $("file-chip"), fileName: $("file-name"),
    fileMeta: $("file-meta"), fileClear: $("file-clear"), check: $("check"),
    reset: $("reset"), status: $("form-status"), results: $("results"),
    error: $("error"), errorMessage: $("error-message"), empty: $("empty"),
    result: $("result"), verdict: $("verdict"), verdictSub: $("verdict-sub"),
    meterBand: $("meter-band"), meterBandLabel: $("meter-band-label"),
    meterMark: $("meter-mark"), meterMarkLabel: $("meter-mark-label"),
    meterText: $("meter-text"), meaning: $("meaning"), sourceNote: $("source-note"),
    highlight: $("highlight"), featuresFake: $("features-fake"),
    featuresReal: $("features-real"), modelCard: $("model-card"),
    modelSummary: $("model-summary"), tooltip: $("tooltip")
  };

  // ---- small helpers ------------------------------------------------------

  // h builds an element; children are nodes or strings (added as text).
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v == null || v === false) return;
        if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else el.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c == null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function pct(p, digits) {
    if (typeof p !== "number" || !isFinite(p)) return "—";
    return (p * 100).toFixed(digits == null ? 0 : digits) + "%";
  }
  function num(x, digits) {
    return typeof x === "number" && isFinite(x) ? x.toFixed(digits) : "—";
  }
  function int(n) {
    return typeof n === "number" ? n.toLocaleString("en-US") : "—";
  }
  function signed(x) { return (x >= 0 ? "+" : "−") + Math.abs(x).toFixed(3); }
  function bytesLabel(n) {
    if (n < 1024) return n + " bytes";
    if (n < 1024 * 1024) return (n / 1024).toFixed(n < 10240 ? 1 : 0) + " KB";
    return (n / 1024 / 1024).toFixed(1) + " MB";
  }
  function capitalize(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }

  // ---- the model card -----------------------------------------------------

  var card = null;
  var cardPromise = null;

  function loadCard() {
    cardPromise = fetch("v1/model", { headers: { Accept: "application/json" } })
      .then(readJSON)
      .then(function (c) { card = c; renderCard(c); return c; })
      .catch(function (err) {
        els.modelSummary.textContent = "The model card could not be loaded: " + err.message;
        return null;
      });
    return cardPromise;
  }

  // fakeLabel is the class that means "unreliable".
  function fakeLabel(labels) {
    if (labels.indexOf("fake") >= 0) return "fake";
    if (card && card.uncertainty && labels.indexOf(card.uncertainty.label) >= 0) return card.uncertainty.label;
    return labels[0];
  }

  function band() {
    var b = card && card.uncertainty;
    if (!b || typeof b.low !== "number" || typeof b.high !== "number") return null;
    return b;
  }

  var ALGOS = { logreg: "Logistic regression", nb: "Naive Bayes", svm: "Linear SVM" };

  function renderCard(c) {
    clear(els.modelCard);
    var held = c.held_out || {};
    var notes = c.notes || {};
    var algo = ALGOS[c.algo] || c.algo || "model";
    els.modelSummary.textContent = "Model " + c.id + " · " + algo + " · trained on " + int(c.train_rows) + " articles";

    if (notes.limits) {
      els.modelCard.appendChild(h("div", { class: "callout" },
        h("p", { class: "callout__title", text: "Limits" }),
        h("p", { text: notes.limits })));
    }

    var tiles = [
      ["Accuracy", pct(held.accuracy, 1), "share of held-out articles labelled correctly"],
      ["Macro-F1", num(held.macro_f1, 3), "balance of precision and recall over both classes (1 is perfect)"],
      ["ROC AUC", num(held.roc_auc, 3), "chance a random fake scores above a random real article"],
      ["Log loss", num(held.log_loss, 3), "penalty for confident mistakes (lower is better)"],
      ["Calibration error", typeof held.ece === "number" ? (held.ece * 100).toFixed(1) + " pts" : "—", "average gap between stated probability and observed rate"],
      ["Held-out articles", int(held.n != null ? held.n : c.test_rows), "articles kept out of training to measure it"]
    ];
    els.modelCard.appendChild(section("How well it did on held-out articles",
      h("p", { class: "muted", text: "Measured on articles from the same sources it learned from, which it had not seen (" + (c.split || "held-out split") + ")." }),
      h("dl", { class: "tiles" }, tiles.map(function (t) {
        return h("div", { class: "tile" },
          h("dt", { class: "tile__label", text: t[0] }),
          h("dd", { class: "tile__value", text: t[1] }),
          h("dd", { class: "tile__help", text: t[2] }));
      }))));

    var cross = Object.keys(notes).filter(function (k) { return /^cross-dataset\b/i.test(k); }).sort();
    if (cross.length) {
      // Notes read like "accuracy 0.757, macro-F1 0.545 on 1351 documents, …";
      // shown as columns when they do, as text otherwise.
      var parsed = cross.map(function (k) {
        var m = /accuracy\s+([\d.]+),\s*macro-F1\s+([\d.]+)\s+on\s+(\d+)\s+documents/i.exec(notes[k]);
        return { name: k.replace(/^cross-dataset\s*/i, ""), text: notes[k], m: m };
      });
      var columns = parsed.every(function (x) { return x.m; });
      var head = columns
        ? [h("th", { scope: "col", text: "Left-out corpus" }), h("th", { scope: "col", class: "num", text: "Accuracy" }),
           h("th", { scope: "col", class: "num", text: "Macro-F1" }), h("th", { scope: "col", class: "num", text: "Articles" })]
        : [h("th", { scope: "col", text: "Left-out corpus" }), h("th", { scope: "col", text: "Result" })];
      els.modelCard.appendChild(section("On sources it has not seen",
        h("p", { class: "muted", text: "Trained on all but one corpus and tested on the one left out — closer to how it fares on outlets it has never seen." }),
        h("table", { class: "table" },
          h("thead", null, h("tr", null, head)),
          h("tbody", null, parsed.map(function (x) {
            var name = h("th", { scope: "row", text: x.name });
            if (!columns) return h("tr", null, name, h("td", { text: x.text }));
            return h("tr", { title: x.text }, name,
              h("td", { class: "num", text: pct(parseFloat(x.m[1]), 1) }),
              h("td", { class: "num", text: parseFloat(x.m[2]).toFixed(3) }),
              h("td", { class: "num", text: int(parseInt(x.m[3], 10)) }));
          })))));
    }

    var b = c.uncertainty;
    if (b || notes.uncertainty) {
      els.modelCard.appendChild(section("When it says “Uncertain”",
        h("p", { text: notes.uncertainty || ("P(" + b.label + ") between " + b.low + " and " + b.high + " is reported as uncertain.") })));
    }

    var data = Array.isArray(c.data) ? c.data : [];
    var dataRows = data.map(function (d) {
      return h("tr", null,
        h("th", { scope: "row" }, h("code", { text: d.path })),
        h("td", { class: "num", text: int(d.rows) }),
        h("td", null, h("code", { class: "hash", title: d.sha256, text: (d.sha256 || "").slice(0, 12) })));
    });
    els.modelCard.appendChild(section("Training data",
      h("p", { class: "muted", text: int(c.train_rows) + " articles for training, " + int(c.test_rows) + " held out; split: " + (c.split || "—") + "." }),
      dataRows.length ? h("table", { class: "table" },
        h("thead", null, h("tr", null,
          h("th", { scope: "col", text: "File" }), h("th", { scope: "col", class: "num", text: "Rows" }), h("th", { scope: "col", text: "SHA-256" }))),
        h("tbody", null, dataRows)) : null));

    var facts = [
      ["Model ID", h("code", { id: "model-id", text: c.id })],
      ["Method", algo + (c.num_features ? " over " + int(c.num_features) + " word and word-pair features" : "")],
      ["Classes", (c.labels || []).join(", ")],
      ["Text profile", c.profile],
      ["Created", c.created ? String(c.created).slice(0, 10) : null],
      ["Software", c.credence_version ? "credence " + c.credence_version : null]
    ];
    var other = Object.keys(notes).filter(function (k) {
      return k !== "limits" && k !== "uncertainty" && cross.indexOf(k) < 0;
    }).sort();
    other.forEach(function (k) { facts.push([capitalize(k), notes[k]]); });
    els.modelCard.appendChild(section("Details",
      h("dl", { class: "facts" }, facts.filter(function (f) { return f[1]; }).map(function (f) {
        return h("div", { class: "facts__row" }, h("dt", { text: f[0] }), h("dd", null, f[1]));
      }))));
  }

  function section(title) {
    var s = h("section", { class: "model-section" }, h("h3", { text: title }));
    for (var i = 1; i < arguments.length; i++) append(s, arguments[i]);
    return s;
  }

  // ---- talking to the server ----------------------------------------------

  // readJSON returns the body of a JSON response, or throws an Error with
  // the server's message for {"error": {...}} answers.
  function readJSON(res) {
    return res.text().then(function (body) {
      var data = null;
      try { data = body ? JSON.parse(body) : null; } catch (e) { data = null; }
      if (!res.ok) {
        var msg = data && data.error && data.error.message;
        var err = new Error(msg ? capitalize(msg) : "The server answered HTTP " + res.status + " " + (res.statusText || "") + ".");
        err.code = data && data.error && data.error.code;
        throw err;
      }
      if (data == null) throw new Error("The server sent an answer that is not JSON.");
      return data;
    });
  }

  // ---- the form -----------------------------------------------------------

  var pendingHTML = null; // {name, size, html} when an .html file is chosen

  function setFile(file) {
    hideError();
    if (!file) return;
    var name = file.name || "file";
    var isHTML = /\.x?html?$/i.test(name) || file.type === "text/html" || file.type === "application/xhtml+xml";
    var isText = /\.txt$/i.test(name) || file.type === "text/plain";
    if (!isHTML && !isText) {
      showError("“" + name + "” is not a web page or text file. Choose an .html or .txt file.");
      return;
    }
    file.text().then(function (content) {
      if (isHTML) {
        pendingHTML = { name: name, size: file.size, html: content };
        els.fileName.textContent = name;
        els.fileMeta.textContent = bytesLabel(file.size) + " · the article will be extracted from the page";
        els.chip.hidden = false;
        els.dropzone.hidden = true;
        els.text.disabled = true;
        els.text.setAttribute("aria-disabled", "true");
        els.text.placeholder = "The article text will be taken from " + name + ".";
        announce("Chose " + name + ". Press Check to analyze it.");
      } else {
        clearFile();
        els.text.value = content;
        announce("Loaded " + name + " into the article text.");
        els.text.focus();
      }
    }, function () {
      showError("“" + name + "” could not be read.");
    });
  }

  function clearFile() {
    pendingHTML = null;
    els.file.value = "";
    els.chip.hidden = true;
    els.dropzone.hidden = false;
    els.text.disabled = false;
    els.text.removeAttribute("aria-disabled");
    els.text.placeholder = "Paste the body of the article here…";
  }

  els.file.addEventListener("change", function () {
    setFile(els.file.files && els.file.files[0]);
  });
  els.fileClear.addEventListener("click", function () {
    clearFile();
    announce("File removed.");
    els.text.focus();
  });
  ["dragenter", "dragover"].forEach(function (type) {
    els.dropzone.addEventListener(type, function (ev) {
      ev.preventDefault();
      els.dropzone.classList.add("is-over");
    });
  });
  ["dragleave", "drop"].forEach(function (type) {
    els.dropzone.addEventListener(type, function (ev) {
      ev.preventDefault();
      els.dropzone.classList.remove("is-over");
    });
  });
  els.dropzone.addEventListener("drop", function (ev) {
    var f = ev.dataTransfer && ev.dataTransfer.files && ev.dataTransfer.files[0];
    setFile(f);
  });
  // A file dropped outside the zone would otherwise replace the page.
  window.addEventListener("dragover", function (ev) { ev.preventDefault(); });
  window.addEventListener("drop", function (ev) {
    ev.preventDefault();
    if (!els.dropzone.contains(ev.target) && ev.dataTransfer && ev.dataTransfer.files[0]) setFile(ev.dataTransfer.files[0]);
  });

  els.reset.addEventListener("click", function () {
    els.title.value = "";
    els.text.value = "";
    clearFile();
    hideError();
    els.result.hidden = true;
    els.empty.hidden = false;
    announce("Cleared.");
    els.title.focus();
  });

  els.text.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      els.form.requestSubmit ? els.form.requestSubmit() : submit(ev);
    }
  });

  var inflight = null;

  function submit(ev) {
    ev.preventDefault();
    if (inflight) return;
    hideError();
    var title = els.title.value.trim();
    var body = { top: FEATURES_REQUESTED };
    var sent = { title: title, source: null };
    if (pendingHTML) {
      body.html = pendingHTML.html;
      if (title) body.title = title;
      sent.source = pendingHTML.name;
    } else {
      var text = els.text.value;
      if (!text.trim() && !title) {
        showError("Paste the article’s text, or choose an .html or .txt file, then press Check.");
        els.text.focus();
        return;
      }
      body.text = text;
      if (title) body.title = title;
    }
    setBusy(true);
    inflight = true;
    var request = fetch("v1/explain", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(readJSON, function (err) {
      throw new Error("Could not reach the Credence server (" + err.message + "). Check your connection and try again.");
    });
    Promise.all([request, cardPromise || loadCard()])
      .then(function (r) {
        var res = r[0];
        if (!card || card.id !== res.model_id) {
          // The model was reloaded since the page opened: refresh its card.
          return loadCard().then(function () { render(res, sent); });
        }
        render(res, sent);
      })
      .catch(function (err) {
        showError(err.message || String(err));
        els.result.hidden = true;
        els.empty.hidden = false;
      })
      .then(function () { setBusy(false); inflight = null; });
  }
  els.form.addEventListener("submit", submit);

  function setBusy(busy) {
    els.check.disabled = busy;
    els.check.classList.toggle("is-busy", busy);
    els.check.querySelector(".btn__label").textContent = busy ? "Checking…" : "Check";
    els.results.setAttribute("aria-busy", busy ? "true" : "false");
    els.results.classList.toggle("is-busy", busy);
    if (busy) announce("Checking the article…");
  }

  function announce(msg) {
    // Clearing first makes screen readers repeat an identical message.
    els.status.textContent = "";
    window.setTimeout(function () { els.status.textContent = msg; }, 30);
  }

  function showError(msg) {
    els.errorMessage.textContent = msg;
    els.error.hidden = false;
  }
  function hideError() {
    els.error.hidden = true;
    els.errorMessage.textContent = "";
  }

  // ---- rendering a result -------------------------------------------------

  var VERDICTS = {
    fake: ["Likely unreliable", "The writing resembles articles from unreliable sources in the training data.", "fake"],
    real: ["Likely reliable", "The writing resembles articles from reliable, mainstream sources in the training data.", "real"],
    uncertain: ["Uncertain", "The signals are mixed, so the model does not commit either way.", "uncertain"]
  };

  function render(res, sent) {
    var ex = res.explanation || {};
    var labels = ex.labels || Object.keys(ex.probabilities || {});
    var fake = fakeLabel(labels);
    var real = labels.length === 2 ? labels[1 - labels.indexOf(fake)] : null;
    var pFake = ex.probabilities ? ex.probabilities[fake] : NaN;
    var key = res.verdict === fake ? "fake" : res.verdict === real ? "real" : res.verdict === "uncertain" ? "uncertain" : null;
    var v = key ? VERDICTS[key] : [capitalize(res.verdict), "", "uncertain"];

    // The band, as P(fake).
    var b = band();
    var bandOnFake = b && b.label === fake;
    var lo = b ? (bandOnFake ? b.low : 1 - b.high) : null;
    var hi = b ? (bandOnFake ? b.high : 1 - b.low) : null;
    // Whole percent, unless rounding would put P(fake) on an edge of the
    // band and make the verdict look inconsistent with the number.
    var pct1 = function (x) {
      if (b && isFinite(x) && x !== lo && x !== hi && (Math.round(x * 100) === Math.round(lo * 100) || Math.round(x * 100) === Math.round(hi * 100))) return pct(x, 1);
      return pct(x);
    };

    els.verdict.textContent = v[0];
    els.verdict.className = "verdict verdict--" + v[2];
    var sub = v[1];
    if (key === "uncertain" && isFinite(pFake) && Math.abs(pFake - 0.5) >= 0.05) {
      sub += " On balance it leans toward " + (pFake > 0.5 ? "unreliable" : "reliable") + ", but not enough to say so.";
    }
    els.verdictSub.textContent = sub;

    // The meter: P(fake) on a 0–100% scale with the uncertainty band.
    if (b) {
      els.meterBand.hidden = false;
      els.meterBand.style.left = (lo * 100) + "%";
      els.meterBand.style.width = ((hi - lo) * 100) + "%";
      els.meterBandLabel.textContent = "Uncertain " + pct(lo) + "–" + pct(hi);
    } else {
      els.meterBand.hidden = true;
      els.meterBandLabel.textContent = "";
    }
    var p = isFinite(pFake) ? Math.min(1, Math.max(0, pFake)) : 0.5;
    els.meterMark.style.left = (p * 100) + "%";
    els.meterMark.className = "meter__mark meter__mark--" + v[2];
    els.meterMarkLabel.textContent = pct1(pFake);
    els.meterText.textContent = "Probability of fake: " + pct1(pFake) + "." + (b ? " Uncertain between " + pct(lo) + " and " + pct(hi) + "." : "");

    clear(els.meaning);
    append(els.meaning, [
      h("strong", { text: pct1(pFake) + " probability of fake." }),
      " This is the model’s calibrated estimate: among held-out articles given about " + pct1(pFake) + ", roughly that share were fake. ",
      b ? "When P(fake) falls between " + pct(lo) + " and " + pct(hi) + " it is reported as uncertain rather than forced either way. " : "",
      "The model judges writing style and topic, not facts — it cannot tell whether a claim is true."
    ]);

    var an = res.analyzed || {};
    var note = [];
    if (sent.source) {
      note.push("Extracted from " + sent.source + (an.title ? ": “" + an.title + "”" : "") + ", " + int(an.chars) + " characters of article text.");
    } else {
      note.push("Analyzed " + int(an.chars) + " characters.");
    }
    if (typeof an.chars === "number" && an.chars < 400) note.push("That is short: the verdict rests on only a few words.");
    note.push("Model " + res.model_id + ".");
    els.sourceNote.textContent = note.join(" ");
    els.sourceNote.hidden = false;

    var sign = labels.length === 2 ? (ex.label === fake ? 1 : -1) : (ex.label === fake ? 1 : 0);
    renderHighlight(an.text || "", ex.tokens || [], sign, sent.source ? an.title : sent.title);
    renderFeatures(ex.features || [], labels, fake, sign);

    els.empty.hidden = true;
    els.result.hidden = false;
    announce("Result: " + v[0] + ". Probability of fake " + pct1(pFake) + ".");
    if (window.matchMedia && window.matchMedia("(max-width: 960px)").matches) {
      els.results.scrollIntoView({ behavior: "smooth", block: "start" });
    }
  }

  // Token spans and feature spans index the UTF-8 bytes of the analyzed
  // text, so the text is cut as bytes and decoded piece by piece.
  var tokenEls = [];

  function renderHighlight(text, tokens, sign, title) {
    clear(els.highlight);
    tokenEls = [];
    var bytes = new TextEncoder().encode(text);
    var dec = new TextDecoder();
    var cut = function (a, b) { return dec.decode(bytes.subarray(a, b)); };

    // Strength scale: a high percentile, so one extreme word does not wash
    // out the rest.
    var mags = tokens.map(function (t) { return Math.abs(t.toward * sign); }).filter(function (x) { return x > 0; }).sort(function (a, b) { return a - b; });
    var scale = mags.length ? mags[Math.min(mags.length - 1, Math.floor(mags.length * 0.97))] : 1;
    if (!(scale > 0)) scale = 1;

    // Split off the title (the server glues title + join + text).
    var titleEnd = 0;
    if (title) {
      var tb = new TextEncoder().encode(title);
      var same = tb.length <= bytes.length;
      for (var i = 0; same && i < tb.length; i++) if (tb[i] !== bytes[i]) same = false;
      if (same && !tokens.some(function (t) { return t.start < tb.length && t.end > tb.length; })) titleEnd = tb.length;
    }

    var ti = 0;
    function range(into, a, b) {
      var pos = a;
      while (ti < tokens.length && tokens[ti].start < b) {
        var t = tokens[ti];
        if (t.start >= pos && t.end <= b && t.end > t.start) {
          if (t.start > pos) into.appendChild(document.createTextNode(cut(pos, t.start)));
          var push = t.toward * sign;
          var rel = Math.abs(push) / scale;
          var level = rel < 0.1 ? 0 : Math.min(5, Math.ceil(rel * 5));
          var span = h("span", { class: "tok" + (level ? " tok--" + (push > 0 ? "f" : "r") + level : ""), "data-i": tokenEls.length }, cut(t.start, t.end));
          span._tok = { start: t.start, end: t.end, push: push };
          tokenEls.push(span);
          into.appendChild(span);
          pos = t.end;
        }
        ti++;
      }
      if (pos < b) into.appendChild(document.createTextNode(cut(pos, b)));
    }
    if (titleEnd > 0) {
      var head = h("p", { class: "highlight__title" });
      range(head, 0, titleEnd);
      els.highlight.appendChild(head);
      var start = titleEnd;
      while (start < bytes.length && (bytes[start] === 32 || bytes[start] === 10 || bytes[start] === 13 || bytes[start] === 9)) start++;
      var bodyEl = h("div", { class: "highlight__body" });
      range(bodyEl, start, bytes.length);
      els.highlight.appendChild(bodyEl);
    } else {
      var only = h("div", { class: "highlight__body" });
      range(only, 0, bytes.length);
      els.highlight.appendChild(only);
    }
  }

  // fillBar sets the width through the CSSOM, which a strict
  // Content-Security-Policy allows (a style attribute it would not).
  function fillBar(width) {
    var el = h("span", { class: "feature__fill" });
    el.style.width = width.toFixed(1) + "%";
    return el;
  }

  function renderFeatures(features, labels, fake, sign) {
    var fi = labels.indexOf(fake);
    var items = features.map(function (f) {
      var push;
      if (labels.length === 2 && f.contribution && f.contribution.length === 2) push = f.contribution[fi] - f.contribution[1 - fi];
      else push = f.toward * sign;
      return { name: f.feature, push: push, spans: f.spans || [] };
    });
    var toFake = items.filter(function (x) { return x.push > 0; }).sort(function (a, b) { return b.push - a.push; }).slice(0, FEATURES_EACH_WAY);
    var toReal = items.filter(function (x) { return x.push < 0; }).sort(function (a, b) { return a.push - b.push; }).slice(0, FEATURES_EACH_WAY);
    var max = Math.max.apply(null, [1e-9].concat(toFake.concat(toReal).map(function (x) { return Math.abs(x.push); })));
    fill(els.featuresFake, toFake, "fake", "No strong signals toward unreliable.");
    fill(els.featuresReal, toReal, "real", "No strong signals toward reliable.");

    function fill(list, xs, kind, none) {
      clear(list);
      if (!xs.length) { list.appendChild(h("li", { class: "features__none muted", text: none })); return; }
      xs.forEach(function (x) {
        var times = x.spans.length;
        var btn = h("button", {
          type: "button", class: "feature feature--" + kind, "aria-pressed": "false",
          "aria-label": "“" + x.name + "”, push " + signed(x.push) + (times ? ", " + times + (times === 1 ? " occurrence" : " occurrences") + ". Show in text" : "")
        },
          h("span", { class: "feature__name" }, "“" + x.name + "”", times > 1 ? h("span", { class: "feature__times", text: "×" + times }) : null),
          h("span", { class: "feature__bar", "aria-hidden": "true" }, fillBar(Math.max(3, Math.abs(x.push) / max * 100))),
          h("span", { class: "feature__value", "aria-hidden": "true", text: signed(x.push) }));
        btn._spans = x.spans;
        list.appendChild(h("li", null, btn));
      });
    }
  }

  // Pointing at a signal marks its occurrences in the text; clicking pins it.
  var pinned = null;
  function mark(spans, on) {
    if (!spans) return;
    var first = null;
    tokenEls.forEach(function (el) {
      var t = el._tok;
      var hit = spans.some(function (s) { return t.start >= s[0] && t.end <= s[1]; });
      if (hit) { el.classList.toggle("is-linked", on); if (!first) first = el; }
    });
    return first;
  }
  function featureTarget(ev) {
    var b = ev.target.closest && ev.target.closest(".feature");
    return b && b._spans ? b : null;
  }
  [els.featuresFake, els.featuresReal].forEach(function (list) {
    list.addEventListener("mouseover", function (ev) { var b = featureTarget(ev); if (b) mark(b._spans, true); });
    list.addEventListener("mouseout", function (ev) { var b = featureTarget(ev); if (b && b !== pinned) mark(b._spans, false); });
    list.addEventListener("focusin", function (ev) { var b = featureTarget(ev); if (b) mark(b._spans, true); });
    list.addEventListener("focusout", function (ev) { var b = featureTarget(ev); if (b && b !== pinned) mark(b._spans, false); });
    list.addEventListener("click", function (ev) {
      var b = featureTarget(ev);
      if (!b) return;
      if (pinned && pinned !== b) { pinned.setAttribute("aria-pressed", "false"); mark(pinned._spans, false); }
      if (pinned === b) { pinned = null; b.setAttribute("aria-pressed", "false"); mark(b._spans, false); return; }
      pinned = b;
      b.setAttribute("aria-pressed", "true");
      var first = mark(b._spans, true);
      if (first) scrollWithin(els.highlight, first);
    });
  });
  function scrollWithin(box, el) {
    var top = el.offsetTop - box.offsetTop - box.clientHeight / 3;
    box.scrollTo({ top: Math.max(0, top), behavior: "smooth" });
  }

  // Tooltip for highlighted words.
  els.highlight.addEventListener("mouseover", function (ev) {
    var el = ev.target.closest && ev.target.closest(".tok");
    if (!el || !el._tok) { hideTip(); return; }
    var t = el._tok;
    clear(els.tooltip);
    var lvl = /tok--[fr](\d)/.exec(el.className);
    var strength = !lvl ? "slight push" : lvl[1] >= 4 ? "strong push" : lvl[1] >= 2 ? "moderate push" : "weak push";
    var dir = Math.abs(t.push) < 1e-9 ? "no measurable push" : strength + (t.push > 0 ? " toward unreliable" : " toward reliable");
    append(els.tooltip, [
      h("span", { class: "tooltip__word", text: el.textContent }),
      h("span", { class: "tooltip__push tooltip__push--" + (t.push > 0 ? "fake" : "real"), text: Math.abs(t.push) < 1e-9 ? "0" : signed(t.push) }),
      h("span", { class: "tooltip__dir", text: dir })
    ]);
    els.tooltip.hidden = false;
    var r = el.getBoundingClientRect();
    var tw = els.tooltip.offsetWidth, th = els.tooltip.offsetHeight;
    var x = Math.min(window.innerWidth - tw - 8, Math.max(8, r.left + r.width / 2 - tw / 2));
    var y = r.top - th - 8;
    if (y < 8) y = r.bottom + 8;
    els.tooltip.style.left = x + "px";
    els.tooltip.style.top = y + "px";
  });
  els.highlight.addEventListener("mouseleave", hideTip);
  window.addEventListener("scroll", hideTip, { passive: true });
  els.highlight.addEventListener("scroll", hideTip, { passive: true });
  function hideTip() { els.tooltip.hidden = true; }

  loadCard();
})();
