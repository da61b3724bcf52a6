from django.contrib.auth import login
from django.shortcuts import redirect
from django.views.generic import FormView

from accounts.forms import ResidentSignupForm
from accounts.services import register_resident


class ResidentSignupView(FormView):
    template_name = "registration/register.html"
    form_class = ResidentSignupForm

    def form_valid(self, form):
        user = register_resident(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("home")
