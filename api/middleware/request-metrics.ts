import type { Request, RequestHandler, Response } from 'express';
import type { ServingMetrics } from '../../core/serving/serving-metrics.js';

/**
 * Observes every completed response in `snapclass_http_request_duration_seconds`, labelled with
 * the route pattern (such as `/v1/predictions/:id`) rather than the path, so ids do not create
 * a series each. Requests that match no route are labelled `unmatched`.
 */
export function requestMetrics(metrics: ServingMetrics): RequestHandler {
  return (request, response, next) => {
    const stopTimer = metrics.httpRequestDuration.startTimer();
    response.on('finish', () => {
      stopTimer({ method: request.method, route: routeLabel(request, response), status: String(response.statusCode) });
    });
    next();
  };
}

/** Names the route of requests that no express route handles, such as static files. */
export function labelRoute(label: string): RequestHandler {
  return (_request, response, next) => {
    response.locals.metricsRoute = label;
    next();
  };
}

function routeLabel(request: Request, response: Response): string {
  const route = request.route as { path?: unknown } | undefined;
  if (route && typeof route.path === 'string') return `${request.baseUrl}${route.path}`;
  return (response.locals.metricsRoute as string | undefined) ?? 'unmatched';
}
