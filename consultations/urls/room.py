from __future__ import annotations

from django.urls import path

from consultations.views import room

urlpatterns = [
    path("briefings/", room.briefing_list, name="briefing_list"),
    path("briefings/new/", room.briefing_create, name="briefing_create"),
    path("briefings/<int:pk>/", room.briefing_detail, name="briefing_detail"),
    path("briefings/<int:pk>/edit/", room.briefing_edit, name="briefing_edit"),
    path("room-questions/", room.room_question_list, name="room_question_list"),
    path("room-questions/new/", room.room_question_create, name="room_question_create"),
    path("room-questions/<int:pk>/", room.room_question_detail, name="room_question_detail"),
    path("room-questions/<int:pk>/answer/", room.room_answer_save, name="room_answer_save"),
    path("room-questions/<int:pk>/close/", room.room_question_close, name="room_question_close"),
    path("room-questions/<int:pk>/reopen/", room.room_question_reopen, name="room_question_reopen"),
    path("room-questions/<int:pk>/answers/", room.room_question_answers, name="room_question_answers"),
    path("room-questions/<int:pk>/answers.csv", room.room_question_export, name="room_question_export"),
]
