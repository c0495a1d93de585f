package io.roadseg.source;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * TLS for {@code wss://}: a robot's Foxglove server with a certificate of its own ({@code foxglove_bridge}'s
 * {@code tls}, {@code certfile}, {@code keyfile}), trusted where the user gives it, or the certificate authority that
 * signed it, as a PEM file ({@code --ca-cert}); the JVM's own authorities are trusted beside it. The host name is
 * checked against the certificate as a browser checks it (the WebSocket client asks for it).
 */
public final class TlsTrust {
    private TlsTrust() {
    }

    /**
     * A socket factory trusting the certificates in {@code pem} and the JVM's default authorities.
     *
     * @throws SourceException one line naming the file: unreadable, or no certificate in it
     */
    public static SSLSocketFactory socketFactory(Path pem) throws SourceException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new SourceException("--ca-cert " + pem + ": cannot read it (" + e.getMessage() + ")");
        } catch (CertificateException e) {
            throw new SourceException("--ca-cert " + pem + ": not a certificate in PEM (-----BEGIN CERTIFICATE-----)"
                    + " or DER (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
            throw new SourceException("--ca-cert " + pem + ": no certificate in it (expected PEM: -----BEGIN "
                    + "CERTIFICATE-----)");
        }
        try {
            KeyStore given = KeyStore.getInstance(KeyStore.getDefaultType());
            given.load(null, null);
            int n = 0;
            for (Certificate c : certificates) {
                given.setCertificateEntry("ca-cert-" + n++, c);
            }
            X509TrustManager own = trustManager(given);
            X509TrustManager defaults = trustManager(null);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new Either(own, defaults)}, null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            throw new SourceException("--ca-cert " + pem + ": " + e.getMessage());
        }
    }

    /** Why a TLS connection failed, in the words a user acts on; null where it is not about trust. */
    static String explain(String failure, Path caCert) {
        if (failure == null) {
            return null;
        }
        if (failure.contains("PKIX") || failure.contains("certification path")) {
            return "the server's TLS certificate is not trusted: give it, or the authority that signed it, with "
                    + (caCert == null ? "--ca-cert FILE.pem" : "--ca-cert (" + caCert + " does not hold it)");
        }
        if (failure.contains("No subject alternative") || failure.contains("doesn't match")) {
            return "the server's TLS certificate does not name this host (" + failure + "); connect by a name or "
                    + "address it lists";
        }
        return null;
    }

    private static X509TrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager t : f.getTrustManagers()) {
            if (t instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /** Trusts a server that either trust manager trusts. */
    private record Either(X509TrustManager first, X509TrustManager second) implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                second.checkClientTrusted(chain, authType);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                first.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                second.checkServerTrusted(chain, authType);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
            all.addAll(List.of(second.getAcceptedIssuers()));
            return all.toArray(new X509Certificate[0]);
        }
    }
}
