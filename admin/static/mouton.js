// « Mouton à 5 pattes »: the offer form's check updates while the CDE types.
// Progressive enhancement only: without this file, « Vérifier la demande » asks the server.
(function () {
  "use strict";
  var block = document.querySelector("[data-mouton]");
  if (!block || !window.fetch) return;
  var form = block.closest("form");
  var output = document.getElementById("mouton-resultat");
  var url = block.getAttribute("data-mouton");
  var timer = null;
  var sent = 0;

  function value(name) {
    var field = form.elements[name];
    if (!field) return "";
    if (field.type === "checkbox") return field.checked;
    return (field.value || "").trim();
  }
  function number(name) {
    var text = String(value(name)).replace(/[\s\u202f\u00a0€]/g, "").replace(",", ".");
    if (text === "") return null;
    var n = Number(text);
    return isFinite(n) ? n : text; // the server says what is wrong with it
  }
  function criteria() {
    var years = value("experience_years");
    return {
      experience_years: years === "" ? null : (/^\d+$/.test(years) ? Number(years) : years),
      diploma: value("diploma") || null,
      pay_from: number("pay_from"),
      pay_to: number("pay_to"),
      pay_period: value("pay_period") || null,
      weekly_hours: number("weekly_hours"),
      driving_licence: value("driving_licence") === true,
      must_haves: String(value("must_haves")).split("\n")
        .map(function (line) { return line.trim(); })
        .filter(function (line) { return line !== ""; })
    };
  }
  function say(nodes) {
    output.replaceChildren.apply(output, nodes);
  }
  function paragraph(text, strong) {
    var p = document.createElement("p");
    if (strong) {
      var b = document.createElement("strong");
      b.textContent = text;
      p.appendChild(b);
    } else {
      p.textContent = text;
    }
    return p;
  }
  function show(answer) {
    if (!answer.hard_to_fill) {
      say([paragraph("Rien dans ces exigences ne rend la demande difficile à satisfaire.")]);
      return;
    }
    var n = answer.findings.length;
    var list = document.createElement("ul");
    list.className = "mouton-raisons";
    answer.findings.forEach(function (finding) {
      var item = document.createElement("li");
      var title = document.createElement("strong");
      title.textContent = finding.title + ".";
      item.appendChild(title);
      item.appendChild(document.createTextNode(" " + finding.text));
      list.appendChild(item);
    });
    say([paragraph("Demande difficile à satisfaire : " + n + (n > 1 ? " raisons" : " raison"), true), list]);
  }
  function check() {
    var mine = ++sent;
    var contract = form.querySelector("input[name=contract]:checked");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ contract: contract ? contract.value : null, criteria: criteria() })
    }).then(function (response) {
      if (mine !== sent) return null; // a newer check is on its way
      if (response.status === 422) {
        say([paragraph("Une exigence est à corriger : « Vérifier la demande » dit laquelle.")]);
        return null;
      }
      return response.ok ? response.json() : null;
    }).then(function (answer) {
      if (answer && mine === sent) show(answer);
    }).catch(function () { /* offline: the button still asks the server */ });
  }
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  }
  block.addEventListener("input", later);
  block.addEventListener("change", later);
  form.querySelectorAll("input[name=contract]").forEach(function (radio) {
    radio.addEventListener("change", later);
  });
})();
