//! HTTPS material: a freshly generated CA and a leaf certificate for localhost signed by it.
//! Clients verify against the CA (written to a file); a bare self-signed leaf would be
//! rejected by rustls/webpki as "CA used as end entity".

use std::path::Path;
use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::ServerConfig;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

/// The server configuration that presents a leaf signed by the generated CA.
pub struct TlsMaterial {
    /// rustls server configuration (TLS 1.2 and 1.3, ring provider).
    pub config: Arc<ServerConfig>,
}

/// Generates the CA and leaf and writes the CA PEM to `ca_path`.
pub fn generate(ca_path: &Path) -> Result<TlsMaterial, String> {
    let ca_key = KeyPair::generate().map_err(|e| format!("CA key: {e}"))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "cyclecloud-emulator test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_cert = ca_params
        .self_signed(&ca_key)
        .map_err(|e| format!("CA: {e}"))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().map_err(|e| format!("leaf key: {e}"))?;
    let mut leaf_params = CertificateParams::new(vec![
        "localhost".to_string(),
        "127.0.0.1".to_string(),
        "::1".to_string(),
    ])
    .map_err(|e| e.to_string())?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(|e| format!("leaf: {e}"))?;

    std::fs::write(ca_path, ca_cert.pem()).map_err(|e| {
        format!(
            "cannot write the CA certificate to {}: {e}",
            ca_path.display()
        )
    })?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca_cert.der().clone()], key)
        .map_err(|e| format!("server certificate: {e}"))?;
    Ok(TlsMaterial {
        config: Arc::new(config),
    })
}
