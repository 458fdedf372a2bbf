"""Chinese-aware terms for the FAQ search: jieba splits text into words (Chinese has no spaces).

jieba loads its ~20 MB dictionary on first use (about a second), so the tokenizer is built lazily,
once per process, on the first FAQ save or search, never when the web process imports this
module; its log lines go nowhere near stdout. Terms are:

- the words of jieba's search mode (it also yields the shorter words inside long ones:
  "退款流程" → 退款, 流程, 退款流程), lower-cased, without punctuation and question words
  (怎么, 如何, 吗 ...) that say nothing about the topic;
- each Chinese character of those words at a low weight, so that two phrasings sharing a
  character still meet (退款 / 退钱).
"""

import logging
import re
import threading
from collections import Counter
from pathlib import Path

from django.conf import settings

CHAR_WEIGHT = 0.2
MAX_TERM_LENGTH = 64
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
_STOPWORDS_TEXT = (
    "的 了 吗 呢 吧 啊 呀 么 嘛 是 在 有 和 与 或 就 都 也 还 又 把 被 给 让 对 从 到 要 会 能 可以 可 该 "
    "怎么 怎么样 怎样 如何 什么 为什么 为何 哪里 哪儿 哪个 哪些 多少 几 请问 请 一下 一个 这个 那个 "
    "这 那 我 我们 你 你们 您 他 她 它 他们 自己 想 需要 应该 之 及 等 "
    "a an the is are do does how what why when where which who can i you to of in on for and or"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split(" "))

_lock = threading.Lock()
_tokenizer = None


def _jieba():
    """The process's jieba tokenizer, made on first use (thread-safe)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                logging.getLogger("jieba").setLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                cache_dir = Path(settings.VAR_DIR)
                cache_dir.mkdir(parents=True, exist_ok=True)
                tokenizer.tmp_dir = str(cache_dir)
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def words(text: str) -> list[str]:
    """The meaningful words of `text`, in order, repeats kept."""
    found = []
    for word in _jieba().cut_for_search(text or ""):
        word = word.strip().lower()
        if not word or word in STOPWORDS or not _WORD.search(word):
            continue
        found.append(word[:MAX_TERM_LENGTH])
    return found


def terms(text: str, *, weight: float = 1.0) -> Counter:
    """{term: weight} of `text`: its words at `weight`, their Chinese characters at a fraction of it."""
    counted: Counter = Counter()
    for word in words(text):
        counted[word] += weight
        if len(word) > 1:
            for char in _HAN.findall(word):
                if char not in STOPWORDS:
                    counted[char] += weight * CHAR_WEIGHT
    return counted
