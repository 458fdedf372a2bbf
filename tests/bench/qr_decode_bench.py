"""Decode time and success of links/qr_decode.py on the generated test pictures.

    .venv/bin/python -m tests.bench.qr_decode_bench            # the test set, 20 runs each
    .venv/bin/python -m tests.bench.qr_decode_bench --hard     # plus 45 pictures at the limit
    .venv/bin/python -m tests.bench.qr_decode_bench --hard --direct-only   # zxing without fallback

Times are wall-clock per decode_qr_codes() call, from bytes to result: reading the file, EXIF,
greyscale, zxing and any fallback pass. No Django settings are needed: only error codes are
printed, and the messages (lazy gettext) are never evaluated.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from unittest import mock

from PIL import Image

from links import qr_decode
from tests.links import qr_pictures as pictures


def _timed(fn: Callable[[], object], runs: int) -> tuple[object, list[float]]:
    outcome: object = None
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        try:
            outcome = fn()
        except qr_decode.QrDecodeError as error:
            outcome = error
        times.append((time.perf_counter() - started) * 1000)
    return outcome, times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[94] if len(times) > 1 else times[0]


def _describe(data: bytes) -> str:
    try:
        with Image.open(io.BytesIO(data)) as img:
            size = f"{img.width}x{img.height}"
    except Exception:
        size = "-"
    return f"{size:>11} {len(data) / 1024:8.0f} kB"


def bench_pictures(title: str, items: list[pictures.Picture], runs: int) -> tuple[int, list[float]]:
    print(f"\n{title}")
    print(f"{'kind':26} {'decoded':7} {'pass':8} {'median ms':>9} {'p95 ms':>8} {'picture':>11} {'file':>11}")
    decoded, medians = 0, []
    for picture in items:
        outcome, times = _timed(lambda p=picture: qr_decode.decode_qr_codes(p.data), runs)
        if isinstance(outcome, list):
            ok = {r.text for r in outcome} == set(picture.expected)
            how = "+".join(sorted({r.decode_pass for r in outcome}))
        else:
            ok, how = False, getattr(outcome, "code", "?")
        decoded += ok
        medians.append(statistics.median(times))
        print(
            f"{picture.kind:26} {'yes' if ok else 'NO':7} {how:8} {statistics.median(times):9.1f} "
            f"{_p95(times):8.1f} {_describe(picture.data)}"
        )
    print(
        f"{'success':26} {decoded}/{len(items)} ({100 * decoded / len(items):.0f}%)   "
        f"median of medians {statistics.median(medians):.1f} ms, slowest median {max(medians):.1f} ms"
    )
    return decoded, medians


BAD_INPUTS: dict[str, tuple[Callable[[], bytes], str]] = {
    "random_bytes": (pictures.random_bytes, "not_image"),
    "truncated_png": (pictures.truncated_png, "truncated"),
    "truncated_jpeg": (pictures.truncated_jpeg, "truncated"),
    "over_10MB": (lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * qr_decode.MAX_UPLOAD_BYTES, "too_large"),
    "bomb_30000x30000_png": (pictures.decompression_bomb, "too_many_pixels"),
    "48MP_png": (lambda: pictures.declared_size_png(8000, 6000), "too_many_pixels"),
    "no_code_photo": (pictures.no_code_photo, "no_code"),
    "two_different_codes": (pictures.two_codes_data, "several_codes"),
}


def bench_bad_inputs(runs: int) -> int:
    print("\nbad input (refused with the expected code?)")
    print(f"{'input':26} {'refused':7} {'code':16} {'median ms':>9} {'p95 ms':>8}")
    ok_count = 0
    for name, (make, expected) in BAD_INPUTS.items():
        data = make()
        outcome, times = _timed(lambda d=data: qr_decode.decode_qr(d), runs)
        code = getattr(outcome, "code", "decoded!")
        ok = code == expected
        ok_count += ok
        print(
            f"{name:26} {'yes' if ok else 'NO':7} {code:16} "
            f"{statistics.median(times):9.1f} {_p95(times):8.1f}"
        )
    print(f"{'refused as expected':26} {ok_count}/{len(BAD_INPUTS)}")
    return ok_count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=20, help="decodes per picture (default 20)")
    parser.add_argument("--hard", action="store_true", help="also the 45 pictures used to choose fallbacks")
    parser.add_argument("--direct-only", action="store_true", help="disable the enhanced fallback pass")
    args = parser.parse_args(argv)

    with (
        mock.patch.object(qr_decode, "_fallback_image", lambda picture: None)
        if args.direct_only
        else nullcontext()
    ):
        label = " (direct pass only)" if args.direct_only else ""
        started = time.perf_counter()
        good = pictures.good_pictures()
        print(
            f"built {len(good)} test pictures in {time.perf_counter() - started:.1f} s; {args.runs} runs each"
        )
        bench_pictures(f"test pictures{label}", good, args.runs)
        bench_bad_inputs(args.runs)
        if args.hard:
            bench_pictures(f"hard pictures{label}", pictures.hard_pictures(), max(1, args.runs // 4))


if __name__ == "__main__":
    main()
