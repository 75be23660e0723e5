/*
 * Copyright: (c) 2026, dataplatform.lakehouse contributors
 * GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
 *
 * Test launcher of Apache Iceberg's reference REST catalog server (org.apache.iceberg.rest.RESTCatalogServer from
 * iceberg-open-api:test-fixtures, what the apache/iceberg-rest-fixture image runs), bound to ONE address.
 *
 * RESTCatalogServer.start() creates its Jetty server with new Server(port), which listens on every interface; this
 * project binds test services to 127.0.0.1 only. So this launcher does what start() does, with the fixture's own
 * code for everything but the socket:
 *   - RESTCatalogServer.initializeBackendCatalog() (private, called by reflection): CATALOG_* environment variables
 *     -> catalog properties, JdbcCatalog + SQLite by default, the configured warehouse and FileIO;
 *   - RESTServerCatalogAdapter (package-private, created by reflection) wrapped in iceberg-core's RESTCatalogServlet;
 *   - a Jetty ServerConnector on <host>:<port>, plus a request log (one line per request: method, path, status,
 *     and the Authorization, X-Iceberg-Access-Delegation, Polaris-Realm and User-Agent headers) that the integration
 *     test reads (the fixture itself ignores all of them).
 *
 * Run as a single-file source program (JDK 11+), nothing to compile:
 *   java -cp 'lib/*' LoopbackRESTCatalogServer.java <host> <port> <request-log-file>
 */

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.CustomRequestLog;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.gzip.GzipHandler;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

public class LoopbackRESTCatalogServer {
  // %r = request line; the Authorization value is logged as sent: the fixture's tokens are not secrets
  // ("client-credentials-token:sub=<client_id>"), and the client secret travels in the token request's body.
  private static final String REQUEST_LOG_FORMAT =
      "%{client}a \"%r\" %s auth=\"%{Authorization}i\" delegation=\"%{X-Iceberg-Access-Delegation}i\""
          + " realm=\"%{Polaris-Realm}i\" ua=\"%{User-Agent}i\"";

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: LoopbackRESTCatalogServer <host> <port> <request-log-file>");
      System.exit(2);
    }
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    String requestLog = args[2];

    Class<?> fixtureClass = Class.forName("org.apache.iceberg.rest.RESTCatalogServer");
    Constructor<?> fixtureCtor = fixtureClass.getDeclaredConstructor();
    fixtureCtor.setAccessible(true);
    Object fixture = fixtureCtor.newInstance();
    Method init = fixtureClass.getDeclaredMethod("initializeBackendCatalog");
    init.setAccessible(true);
    Object catalogContext = init.invoke(fixture);

    Class<?> adapterClass = Class.forName("org.apache.iceberg.rest.RESTServerCatalogAdapter");
    Constructor<?> adapterCtor = adapterClass.getDeclaredConstructor(catalogContext.getClass());
    adapterCtor.setAccessible(true);
    RESTCatalogAdapter adapter = (RESTCatalogAdapter) adapterCtor.newInstance(catalogContext);

    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(new RESTCatalogServlet(adapter)), "/*");
    context.insertHandler(new GzipHandler());

    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(context);
    server.setRequestLog(new CustomRequestLog(requestLog, REQUEST_LOG_FORMAT));
    server.setStopAtShutdown(true);
    server.start();
    System.out.println("LoopbackRESTCatalogServer listening on http://" + host + ":" + port);
    server.join();
  }
}
