package io.cairn.prism.gateway.internal;

import java.io.IOException;

import org.osgi.service.component.annotations.Component;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Whatever no other whiteboard servlet serves: a JSON 404 naming the path. It needs nothing from the
 * cluster, so it is active on a factory-state node too (where Felix HTTP stays off anyway).
 */
@Component(service = Servlet.class, property = {"osgi.http.whiteboard.servlet.pattern=/*", "osgi.http.whiteboard.servlet.name=prism-not-found"})
public final class NotFoundServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
        Errors.send(res, 404, "NOT_FOUND", "no resource at " + req.getRequestURI() + "; the REST API is under /api/v1/");
    }
}
