// rlscale report calculator: plain JavaScript, no framework, no network.
// exchange rate: an RL scale-up S is worth S^ratio in inference compute (the slope ratio is RL
// points per decade / inference points per decade); through the stated chain it is worth
// S^(ratio / w) in pre-training, w = inference orders of magnitude per pre-training order.
// total-training multiplier: with RL at fraction f of pre-training compute, scaling RL by S
// multiplies total training compute (pre-training + RL) by (1 + f*S) / (1 + f).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("rlscale-data").textContent);
  var w = data.pretrain_inference_oom;
  var ids = ["calc-ratio", "calc-fraction", "calc-scale"];
  var inputs = ids.map(function (id) { return document.getElementById(id); });

  function fmt(x) {
    if (!isFinite(x)) { return "–"; }
    if (Math.abs(x) >= 1e9) { return x.toExponential(2).replace("e+", "e"); }
    return Number(x.toPrecision(3)).toLocaleString("en-US", { maximumFractionDigits: 3 });
  }

  function read(el, min) {
    var v = parseFloat(el.value);
    var ok = el.value.trim() !== "" && isFinite(v) && v > min;
    el.setAttribute("aria-invalid", ok ? "false" : "true");
    return ok ? v : NaN;
  }

  function update() {
    var ratio = read(inputs[0], 0), frac = read(inputs[1], -1e-300), scale = read(inputs[2], 0);
    var exch = Math.pow(scale, ratio);
    document.getElementById("calc-exchange").textContent = fmt(exch) + (isFinite(exch) ? "x" : "");
    var pre = Math.pow(scale, ratio / w);
    document.getElementById("calc-pretrain").textContent = fmt(pre) + (isFinite(pre) ? "x" : "");
    var total = (1 + frac * scale) / (1 + frac);
    document.getElementById("calc-total").textContent = fmt(total) + (isFinite(total) ? "x" : "");
    var need = Math.pow(10, 1 / ratio);
    document.getElementById("calc-need").textContent = fmt(need) + (isFinite(need) ? "x" : "");
  }

  inputs.forEach(function (el) {
    el.addEventListener("input", update);
    el.addEventListener("change", update);
  });
  update();
})();
