"""Who visits the simulated shop (``simulate``): its pages, devices and their browsers,
countries, connections, releases and JS errors, each with its weight and, where it has one,
the factor by which it slows a page. Every page's vitals scale with the product of its
factors."""

from __future__ import annotations

# (path template, weight, LCP factor)
PAGES = [
    ("/", 25, 1.0), ("/product/{id}", 30, 1.2), ("/category/{slug}", 12, 1.1),
    ("/search", 10, 0.9), ("/cart", 8, 0.8), ("/checkout", 5, 1.4), ("/blog/{id}", 10, 1.0),
]  # fmt: skip
AGENTS = {
    "mobile": [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
    ],
    "desktop": [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    ],
    "tablet": [
        "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    ],
}  # fmt: skip
DEVICES = [("mobile", 55), ("desktop", 40), ("tablet", 5)]
# One public address per country (as geoip2fast's bundled database places it), and a factor.
COUNTRIES = [
    ("8.8.8.8", 30, 1.0, "US"), ("81.2.69.160", 12, 0.9, "GB"), ("46.4.0.1", 12, 0.9, "DE"),
    ("62.210.0.1", 8, 0.95, "FR"), ("133.242.0.3", 6, 0.8, "JP"), ("177.71.0.1", 8, 1.5, "BR"),
    ("49.44.0.1", 10, 1.8, "IN"), ("24.48.0.1", 6, 1.0, "CA"), ("1.1.1.1", 5, 1.2, "AU"),
    ("80.80.80.80", 3, 0.9, "NL"),
]  # fmt: skip
CONNECTIONS = [("4g", 80, 1.0), ("3g", 14, 1.8), ("2g", 4, 3.0), ("slow-2g", 2, 4.0)]
RELEASES = [("2026.11.1", 50), ("2026.11.2", 50)]
ERRORS = [
    ("TypeError", "Cannot read properties of undefined (reading 'price')", "/static/app.js", 0.03),
    ("ReferenceError", "gtag is not defined", "/static/analytics.js", 0.02),
    ("Error", "Network request failed", "/static/api.js", 0.01),
    ("TypeError", "undefined is not a function", "/static/legacy.js", 0.005),
]
LCP_TARGETS = ["img.hero", "h1.title", "div.gallery > img", "p.lead"]
INP_TARGETS = [
    ("button.add-to-cart", "pointer"),
    ("a.nav-link", "pointer"),
    ("input#search", "keyboard"),
]
