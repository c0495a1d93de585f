package io.roadseg.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A robot's own TLS certificate for 127.0.0.1, made by the JDK's keytool: its key and certificate as PKCS#12 (what the
 * reference servers serve with) and the certificate alone as PEM (what {@code --ca-cert} takes).
 */
record TlsFixture(Path p12, String passphrase, Path pem) {
    static TlsFixture make(Path dir) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Path p12 = dir.resolve("robot.p12");
        Path pem = dir.resolve("robot.pem");
        for (String[] command : new String[][] {
                {keytool, "-genkeypair", "-alias", "robot", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                        "CN=robot", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                        "-keystore", p12.toString(), "-storepass", "secret", "-keypass", "secret"},
                {keytool, "-exportcert", "-rfc", "-alias", "robot", "-keystore", p12.toString(), "-storepass",
                        "secret", "-file", pem.toString()}}) {
            Process k = new ProcessBuilder(command).redirectErrorStream(true).start();
            String said = new String(k.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(k.waitFor(60, TimeUnit.SECONDS) && k.exitValue() == 0, said);
        }
        return new TlsFixture(p12, "secret", pem);
    }
}
