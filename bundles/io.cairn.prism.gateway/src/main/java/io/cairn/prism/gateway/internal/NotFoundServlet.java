package io.cairn.prism.gateway.internal;

import java.io.IOException;

import org.osgi.service.component.annotations.Component;

import io.cairn.common.ready.ReadyMarker;
import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** Whatever no other whiteboard servlet serves: a JSON 404 naming the path. */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/*", "osgi.http.whiteboard.servlet.name=prism-not-found",
        ReadyMarker.SCOPE + "=" + ReadyMarker.CLUSTER_SCOPE})
public final class NotFoundServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        Errors.send(res, 404, "NOT_FOUND", "no resource at " + req.getRequestURI() + "; the REST API is under /api/v1/");
    }
}
