// Intake form: browser coordinates (optional) and a photo count. The form works without it.
(function () {
  "use strict";
  var lat = document.getElementById("id_latitude");
  var lng = document.getElementById("id_longitude");
  var locate = document.getElementById("locate-button");
  var clear = document.getElementById("locate-clear");
  var status = document.getElementById("locate-status");
  if (locate && lat && lng && "geolocation" in navigator) {
    locate.hidden = false;
    if (lat.value) { clear.hidden = false; }
    locate.addEventListener("click", function () {
      status.textContent = locate.dataset.busy || "正在定位…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        status.textContent = "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
        clear.hidden = false;
      }, function () {
        status.textContent = "无法获取位置，请只填写地址。";
      }, { enableHighAccuracy: true, timeout: 10000 });
    });
    clear.addEventListener("click", function () {
      lat.value = ""; lng.value = ""; status.textContent = "已清除定位"; clear.hidden = true;
    });
  }
  var photos = document.getElementById("id_photos");
  var count = document.getElementById("photo-count");
  if (photos && count) {
    photos.addEventListener("change", function () {
      var n = photos.files.length;
      count.textContent = n > 9 ? "最多只能选 9 张照片，你选了 " + n + " 张。" : (n ? "已选 " + n + " 张照片" : "");
    });
  }
  // A second tap while the first submission is on its way does nothing (the server is idempotent anyway).
  var form = document.querySelector("form.appeal-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = document.getElementById("submit-appeal");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); }
    });
  }
})();
