// Starts one Elasticsearch node inside this JVM, from the server jars that Maven Central carries.
//
// Why: Elastic publishes the integ-test zip (the usual "ES without Docker" artefact) to Maven Central
// only up to 8.19.x; for 9.x neither that zip nor any other distribution is there. The 9.x server jar,
// the transport-netty4 module jar (HTTP + transport) and the test framework (MockNode, which lets us
// hand the netty4 plugin in from the classpath) are. The result is a real ES 9 node with roughly the
// feature set of the integ-test zip minus x-pack (no security at all, so no auth).
//
// Usage (see scripts/services.sh, which compiles this at fetch time):
//   java <jvm opts> -cp "<classes>:<libs>/*" EsEmbeddedNode -Epath.home=... -Epath.data=... \
//        -Epath.logs=... -Ehttp.port=... [-Ekey=value ...] [--pidfile FILE]
// Logs go to stdout (console appender); SIGTERM closes the node cleanly.
import java.io.Closeable;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

public final class EsEmbeddedNode {
    private EsEmbeddedNode() {}

    public static void main(String[] args) throws Exception {
        Settings.Builder builder = Settings.builder();
        Path pidFile = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--pidfile") && i + 1 < args.length) {
                pidFile = Path.of(args[++i]);
            } else if (arg.startsWith("-E") && arg.indexOf('=') > 2) {
                int eq = arg.indexOf('=');
                builder.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                System.err.println("unexpected argument: " + arg);
                System.exit(2);
            }
        }
        Settings settings = builder.build();
        if (!settings.hasValue("path.home")) {
            System.err.println("-Epath.home=... is required");
            System.exit(2);
        }

        LogConfigurator.configureESLogging();
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(settings));
        LogConfigurator.setClusterName(settings.get("cluster.name", "elasticsearch"));
        LogConfigurator.configureWithoutConfig(settings);

        Path configDir = Path.of(settings.get("path.home")).resolve("config");
        Files.createDirectories(configDir);
        Environment env = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), configDir, () -> Node.NODE_NAME_SETTING.get(settings));
        // MockNode's public constructors go through ESTestCase (randomized-testing runner context);
        // the private (Environment, plugins, forbidPrivateIndexSettings, onClose) one does not.
        Constructor<MockNode> ctor = MockNode.class.getDeclaredConstructor(
            Environment.class, Collection.class, boolean.class, Closeable.class);
        ctor.setAccessible(true);
        Closeable onClose = () -> {};
        MockNode node = ctor.newInstance(env, List.of(Netty4Plugin.class), true, onClose);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "es-embedded-shutdown"));

        node.start();
        if (pidFile != null) {
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        }
        System.out.println("EsEmbeddedNode: node started");
        stopped.await();
    }
}
