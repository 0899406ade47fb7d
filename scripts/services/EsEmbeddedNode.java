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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.nativeaccess.NativeAccess;
import org.elasticsearch.nativeaccess.Zstd;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.MockNode;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

public final class EsEmbeddedNode {
    private EsEmbeddedNode() {}

    // index.codec=best_compression is zstd through ES's native access layer, which needs libzstd.so
    // (services.sh points -Des.nativelibs.path at Debian's). If native access failed to load, ES would
    // still start and only the first best_compression flush would fail its shard and wedge the
    // cluster-state thread; refuse to start instead, with the reason ES logged just above.
    private static void checkNativeZstd() {
        NativeAccess nativeAccess = NativeAccess.instance();
        Zstd zstd = nativeAccess.getZstd();
        if (zstd == null) {
            System.err.println("EsEmbeddedNode: native zstd unavailable (native access: "
                + nativeAccess.getClass().getSimpleName() + ", es.nativelibs.path="
                + System.getProperty("es.nativelibs.path") + "); best_compression indices would fail");
            System.exit(3);
        }
        byte[] src = "warren zstd self-check ".repeat(64).getBytes(StandardCharsets.UTF_8);
        byte[] packed = new byte[zstd.compressBound(src.length)];
        int packedLen = zstd.compress(packed, 0, packed.length, src, 0, src.length, 3);
        byte[] back = new byte[src.length];
        int backLen = zstd.decompress(back, 0, back.length, packed, 0, packedLen);
        if (backLen != src.length || !Arrays.equals(src, back)) {
            System.err.println("EsEmbeddedNode: native zstd round trip failed");
            System.exit(3);
        }
        System.out.println("EsEmbeddedNode: native zstd ok (" + src.length + " -> " + packedLen + " bytes)");
    }

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

        // Load log4j's own config (-Dlog4j2.configurationFile, es-embedded-log4j2.properties) first:
        // LogConfigurator.configureWithoutConfig installs an empty configuration (status level only)
        // when no logger context exists yet, which leaves ERROR-only root logging and hides ES's WARNs,
        // among them the reason native access (zstd) failed to load.
        org.apache.logging.log4j.LogManager.getContext(false);
        LogConfigurator.configureESLogging();
        LogConfigurator.setNodeName(Node.NODE_NAME_SETTING.get(settings));
        LogConfigurator.setClusterName(settings.get("cluster.name", "elasticsearch"));
        LogConfigurator.configureWithoutConfig(settings);

        checkNativeZstd();

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
