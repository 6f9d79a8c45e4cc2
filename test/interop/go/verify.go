// Go's crypto/x509 path validation (what a Go TLS client or server runs) of certificate chains
// against one root, for any extended key usage. Run: go run verify.go ROOT.pem CHAIN.pem...
// Each CHAIN file holds the certificate first, then the CA certificates above it up to (not
// including) the root. Prints one line per chain, "CHAIN: ok" or "CHAIN: <why Go refused it>";
// exits 0 when every chain is valid, 1 otherwise, 2 on a usage error.
package main

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
)

func readCertificates(path string) ([]*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("no certificate in %s", path)
	}
	return certs, nil
}

func verify(roots *x509.CertPool, path string) error {
	certs, err := readCertificates(path)
	if err != nil {
		return err
	}
	intermediates := x509.NewCertPool()
	for _, c := range certs[1:] {
		intermediates.AddCert(c)
	}
	_, err = certs[0].Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: go run verify.go ROOT.pem CHAIN.pem...")
		os.Exit(2)
	}
	anchors, err := readCertificates(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	roots := x509.NewCertPool()
	for _, c := range anchors {
		roots.AddCert(c)
	}
	allValid := true
	for _, path := range os.Args[2:] {
		if err := verify(roots, path); err != nil {
			allValid = false
			fmt.Printf("%s: %v\n", path, err)
		} else {
			fmt.Printf("%s: ok\n", path)
		}
	}
	if !allValid {
		os.Exit(1)
	}
}
