"""FAQ search: a member's question phrased differently finds the answer (jieba terms, BM25 in SQL)."""

import os
import subprocess
import sys

import pytest

from content import services
from content.demo import FAQS
from content.models import FaqTerm
from content.selectors import faq_search
from tests.helpers import response_schema_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def faqs(tenant_a):
    return [
        services.faq_save(workspace=tenant_a.workspace, question=q, answer=a, keywords=k) for q, a, k in FAQS
    ]


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("我买的东西不想要了，钱能退回来吗", 0),
        ("退货退款流程是什么", 0),
        ("会员过期了要怎么续", 1),
        ("我的包裹什么时候发货", 2),
        ("新人券怎么领取", 3),
    ],
)
def test_a_question_phrased_differently_finds_its_answer_first(faqs, tenant_a, question, expected):
    found = list(faq_search(workspace=tenant_a.workspace, question=question))

    assert found, question
    assert found[0].pk == faqs[expected].pk


def test_the_api_ranks_answers_by_relevance_with_a_score(api_for, faqs, tenant_a):
    response = api_for(tenant_a.analyst).get("/api/faqs/", {"q": "会员续费怎么弄"})

    results = response.json()["results"]
    assert results[0]["id"] == faqs[1].pk
    scores = [row["score"] for row in results]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0


def test_a_faq_has_the_documented_shape_with_and_without_a_question(api_for, faqs, tenant_a):
    api = api_for(tenant_a.operator)
    created = api.post(
        "/api/faqs/", {"question": "怎么开发票", "answer": "在订单页申请", "keywords": ["发票"]}
    )
    listed = api.get("/api/faqs/")
    searched = api.get("/api/faqs/", {"q": "发票"})

    assert created.status_code == 201, created.json()
    assert created.json()["score"] is None
    assert response_schema_errors(created, "/api/faqs/", "post") == []
    assert response_schema_errors(listed, "/api/faqs/", "get") == []
    assert response_schema_errors(searched, "/api/faqs/", "get") == []
    assert searched.json()["results"][0]["score"] > 0


def test_a_question_about_nothing_known_finds_nothing(faqs, tenant_a):
    assert list(faq_search(workspace=tenant_a.workspace, question="积分可以兑换吗")) == []
    assert list(faq_search(workspace=tenant_a.workspace, question="？？")) == []


def test_terms_are_stored_when_saved_and_replaced_when_changed(faqs, tenant_a):
    faq = faqs[0]
    assert FaqTerm.objects.filter(faq=faq, term="退款").exists()

    services.faq_save(
        workspace=tenant_a.workspace,
        faq=faq,
        question="怎么开发票？",
        answer="联系客服开具电子发票。",
        keywords=[],
    )

    assert not FaqTerm.objects.filter(faq=faq, term="退款").exists()
    assert faq_search(workspace=tenant_a.workspace, question="发票怎么开").first().pk == faq.pk


def test_search_never_finds_another_workspaces_answers(api_for, faqs, tenant_b):
    services.faq_save(workspace=tenant_b.workspace, question="积分怎么兑换？", answer="在积分商城兑换。")

    results = api_for(tenant_b.analyst).get("/api/faqs/", {"q": "退款"}).json()["results"]

    assert results == []


def test_the_web_process_does_not_load_jieba_until_a_search_or_save():
    code = (
        "import django, sys; django.setup(); import suo.urls, suo.wsgi; "
        "from django.urls import resolve; resolve('/api/faqs/'); print('jieba' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "suo.settings"},
    )

    assert result.stdout.strip() == "False"
