"""E-mail for the sign-on: invitations and reminders to co-sign (``invite``), and the final
letter to its addressees (``send``).

- ``compose``: the messages, from the campaign's mail templates, as ``.eml`` files;
- ``smtp``: one connection, STARTTLS/TLS, a login, failures named by server;
- ``record``: ``records/mail.json``, what went, so that nothing goes twice;
- ``invite`` and ``deliver``: one entry function each.
"""
