"""Reads of the libraries: items with tags and images, the FAQ search, images without thumbnails."""

import math
from datetime import timedelta

from django.db.models import Avg, Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from content import search
from content.models import ContentItem, Faq, FaqTerm, LibraryImage
from suo.models import Workspace

# BM25's usual constants: k1 bounds how much repeating a term helps, b how much long answers are damped.
BM25_K1 = 1.2
BM25_B = 0.75


def item_list(*, queryset: QuerySet | None = None) -> QuerySet[ContentItem]:
    queryset = queryset if queryset is not None else ContentItem.objects.all()
    return queryset.prefetch_related("tags", "images").order_by("-created_at", "-pk")


def faq_search(*, workspace: Workspace, question: str, queryset: QuerySet | None = None) -> QuerySet[Faq]:
    """FAQ answers matching a member's question, best first, with a `score` (BM25 over jieba terms).

    The question is split into terms the way answers were when saved (content.search); the
    score of an answer is, summed over the shared terms, idf(term) × saturated term weight
    normalised by the answer's length, computed in SQL. idf comes from one count query."""
    wanted = search.terms(question)
    queryset = (queryset if queryset is not None else Faq.objects.all()).filter(workspace=workspace)
    if not wanted:
        return queryset.none()
    stats = queryset.aggregate(n=Count("pk"), avg_length=Avg("term_count"))
    total, avg_length = stats["n"] or 0, float(stats["avg_length"] or 1) or 1.0
    document_frequency = dict(
        FaqTerm.objects.filter(workspace=workspace, term__in=list(wanted))
        .values("term")
        .annotate(df=Count("faq"))
        .values_list("term", "df")
    )
    if not document_frequency:
        return queryset.none()
    query_weight = Case(
        *(
            When(terms__term=term, then=Value(wanted[term] * math.log(1 + (total - df + 0.5) / (df + 0.5))))
            for term, df in document_frequency.items()
        ),
        default=Value(0.0),
        output_field=FloatField(),
    )
    weight = F("terms__weight")
    length_norm = BM25_K1 * (1 - BM25_B + BM25_B * F("term_count") / Value(avg_length))
    saturated = weight * Value(BM25_K1 + 1) / (weight + length_norm)
    return (
        queryset.annotate(
            score=Sum(
                query_weight * saturated,
                filter=Q(terms__term__in=list(document_frequency)),
                output_field=FloatField(),
            )
        )
        .filter(score__gt=0)
        .order_by("-score", "-pk")
    )


def images_missing_thumbnail(*, older_than: timedelta = timedelta(minutes=1), limit: int = 200) -> list[int]:
    return list(
        LibraryImage.objects.filter(thumbnail="", created_at__lt=timezone.now() - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
