"""Refresh the README's two console images from the screenshots the browser tests saved
(`make screenshots`): the desktop dashboard and the phone progress report, scaled down."""

from pathlib import Path

from PIL import Image

HERE = Path(__file__).parent
DOCS = HERE.parents[1] / "docs"
PICKS = {
    "dashboard-desktop.png": ("console-dashboard.png", 960),
    "phone-report-phone.png": ("console-phone-report.png", 300),
}


def main() -> None:
    for source, (target, width) in PICKS.items():
        img = Image.open(HERE / "screenshots" / source).convert("RGB")
        img = img.resize((width, round(img.height * width / img.width)), Image.LANCZOS)
        img = img.quantize(colors=128, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        img.save(DOCS / target, optimize=True)
        print(f"docs/{target}: {img.width}×{img.height}, {(DOCS / target).stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
