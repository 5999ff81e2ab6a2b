"""Errors: HTML pages for people, JSON for the API; never a stack trace to the user."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("There is a problem with the request", "The request could not be understood. Go back and try again."),
    401: ("Sign in needed", "Sign in to use this."),
    403: ("You do not have permission to see this", "Your role in this partnership does not allow it. "
          "Ask your partnership's administrator if you need it."),
    404: ("Page not found", "If you typed the web address, check it is correct. If you pasted it, check you "
          "copied the entire address."),
    405: ("That cannot be done here", "This page does not accept that kind of request."),
    409: ("That cannot be done now", "The request conflicts with the current state of the record."),
    413: ("The upload is too large", "A file must be smaller than 10 MB. Go back and choose a smaller file."),
    422: ("There is a problem with what you entered", "Go back and check your answers."),
    429: ("Too many attempts", "Wait a while before trying again."),
    500: ("Sorry, there is a problem with the service", "Try again later. Nothing you saved has been lost."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    def handle_http(error: HTTPException):
        if _wants_json():
            return app.extensions["lscp.api"].handle_http_exception(error)
        if error.response is not None:  # a redirect raised through abort()
            return error.response
        code = error.code or 500
        title, body = MESSAGES.get(code, (error.name, error.description))
        if code == 400 and error.description and error.description != BadRequest.description:
            body = error.description  # a reason given on purpose says more than the generic one
        if isinstance(error, CSRFError):
            title, body = "Your form expired", "The form was open too long or came from elsewhere. Go back, reload the page and try again."
        return render_template("errors/error.html", code=code, title=title, body=body), code

    app.register_error_handler(HTTPException, handle_http)

    from core.refusals import Refused, api_refusal

    @app.errorhandler(Refused)
    def _refused(refusal: Refused):
        # A rule's refusal that no view caught: on the API it is the one 422 answer (a view may still catch
        # it to word its message); a page always catches it, to show the form again.
        if _wants_json():
            try:
                api_refusal(refusal)
            except HTTPException as answer:
                return handle_http(answer)
        raise refusal

    @app.errorhandler(Exception)
    def _unexpected(error):
        if isinstance(error, HTTPException):
            return handle_http(error)
        if app.config.get("TESTING"):
            raise error  # let a test see the traceback of what would have been a 500
        log.exception("unhandled error on %s %s", request.method, request.path)
        from core.db import db

        db.session.rollback()
        if _wants_json():
            return jsonify(code=500, status="Internal Server Error", message="unexpected error"), 500
        return handle_http(InternalServerError())
