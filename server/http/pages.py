"""HTML pages: home, sign-in and sign-out. The reader and editor pages grow on these."""

from __future__ import annotations

import secrets

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user, logout_user

from server.errors import Unauthenticated
from server.http.context import SessionUser, current_principal, database
from server.services import accounts, bills

pages = Blueprint("pages", __name__)


@pages.get("/")
def home() -> ResponseReturnValue:
    with database().read() as db_session:
        summaries = [bills.bill_summary(db_session, b) for b in bills.list_bills(db_session)]
    return render_template("home.html", bills=summaries, principal=current_principal())


@pages.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        try:
            with database().write() as db_session:
                principal = accounts.authenticate(db_session, username, password)
        except Unauthenticated as refused:
            error = refused.message
        else:
            # A fresh session at sign-in: nothing set before (by anyone) survives into the signed-in session.
            session.clear()
            login_user(SessionUser(principal))
            session["sid"] = secrets.token_urlsafe(16)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("pages.home")
            return redirect(target)
    return render_template("login.html", error=error, principal=None), (401 if error else 200)


@pages.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    return redirect(url_for("pages.home"))
