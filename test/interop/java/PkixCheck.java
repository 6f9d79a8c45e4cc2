// Java's PKIX path validation (CertPathValidator "PKIX", what Java's default TrustManager runs) of
// certificate chains against one trust anchor, revocation checking off. Run as a single-file source
// program (JDK 11+): java PkixCheck.java ROOT.pem CHAIN.pem... Each CHAIN file holds the
// certificate first, then the CA certificates above it up to (not including) the root. Prints one
// line per chain, "CHAIN: ok" or "CHAIN: <why Java refused it>"; exits 0 when every chain is valid,
// 1 otherwise, 2 on a usage error.
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

public class PkixCheck {
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: java PkixCheck.java ROOT.pem CHAIN.pem...");
      System.exit(2);
    }
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    X509Certificate root;
    try (InputStream in = new FileInputStream(args[0])) {
      root = (X509Certificate) factory.generateCertificate(in);
    }
    // As a TrustManager builds it from a trust store entry: the certificate, no separate constraints.
    PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
    params.setRevocationEnabled(false);
    CertPathValidator validator = CertPathValidator.getInstance("PKIX");
    boolean allValid = true;
    for (int i = 1; i < args.length; i++) {
      String verdict;
      try (InputStream in = new FileInputStream(args[i])) {
        Collection<? extends Certificate> certs = factory.generateCertificates(in);
        CertPath path = factory.generateCertPath(new ArrayList<Certificate>(certs));
        validator.validate(path, params);
        verdict = "ok";
      } catch (CertPathValidatorException e) {
        verdict = e.getMessage() + (e.getReason() == null ? "" : " (" + e.getReason() + ")");
      } catch (Exception e) {
        verdict = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      if (!verdict.equals("ok")) allValid = false;
      System.out.println(args[i] + ": " + verdict.replace('\n', ' '));
    }
    System.exit(allValid ? 0 : 1);
  }
}
