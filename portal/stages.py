"""Login stages that differ from allauth's defaults."""

from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage


class ContactEmailVerificationStage(EmailVerificationStage):
    """Email verification is mandatory for accounts that have an email
    address; residents who signed up with a phone number only are verified by
    the phone stage instead."""

    def handle(self):
        user = self.login.user
        if user is not None and not self.login.email and not EmailAddress.objects.filter(user=user).exists():
            return None, True
        return super().handle()
