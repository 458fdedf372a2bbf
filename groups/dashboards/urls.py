from django.urls import path

from groups.dashboards import views

urlpatterns = [
    path("", views.dashboard, {"section": "overview"}, name="dash-overview"),
    path("retention/", views.dashboard, {"section": "retention"}, name="dash-retention"),
    path("health/", views.dashboard, {"section": "health"}, name="dash-health"),
    path("content/", views.dashboard, {"section": "content"}, name="dash-content"),
    path("export/<str:key>.csv", views.export_csv, name="dash-export"),
]
