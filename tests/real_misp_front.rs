//! The real MISP behind a real Apache front that demands a client certificate (as between
//! sharing partners) or a header: `--client-cert`/`--client-key` and `--header`.
//!
//! Each test starts its own Apache (own config, ports and pidfile in a temporary directory)
//! reverse-proxying to the real MISP's HTTP port, with a test CA made by openssl, and stops
//! it when done.

mod realmisp;

use realmisp::{misp, reading};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A temporary directory with a CA, a server certificate for 127.0.0.1, client
/// certificates, and an Apache front on a free port.
struct Front {
    dir: PathBuf,
    tls_port: u16,
    /// The same front speaking TLS 1.2 only, where the refusal comes inside the handshake.
    tls12_port: u16,
    header_port: u16,
}

fn sh(dir: &Path, script: &str) {
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run sh");
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

impl Front {
    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.tls_port)
    }

    fn header_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.header_port)
    }

    fn start(misp_http: &str) -> Front {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "check_misp-front-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        // A CA, the front's certificate, a client certificate it signed, and one from a CA
        // the front does not know.
        sh(
            &dir,
            "set -e
            req() { openssl req -newkey rsa:2048 -nodes -keyout $1.key -subj /CN=$1 -out $1.csr 2>/dev/null; }
            openssl req -x509 -newkey rsa:2048 -nodes -days 400 -keyout ca.key -out ca.crt -subj /CN=front-ca 2>/dev/null
            openssl req -x509 -newkey rsa:2048 -nodes -days 400 -keyout other-ca.key -out other-ca.crt -subj /CN=other-ca 2>/dev/null
            req server
            printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 400 -extfile server.ext -out server.crt 2>/dev/null
            req client
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 400 -extfile client.ext -out client.crt 2>/dev/null
            req stranger
            openssl x509 -req -in stranger.csr -CA other-ca.crt -CAkey other-ca.key -CAcreateserial -days 400 -extfile client.ext -out stranger.crt 2>/dev/null
            cat client.crt client.key > client-with-key.pem
            chmod 644 *",
        );
        let (tls_port, tls12_port, header_port) = (free_port(), free_port(), free_port());
        let backend = misp_http.trim_end_matches('/');
        let d = dir.display();
        let conf = format!(
            "ServerRoot /etc/apache2
ServerName 127.0.0.1
PidFile {d}/apache.pid
DefaultRuntimeDir {d}
Mutex file:{d} default
User www-data
Group www-data
ErrorLog {d}/error.log
LogLevel warn
Include mods-available/mpm_prefork.load
Include mods-available/authz_core.load
Include mods-available/authz_host.load
Include mods-available/socache_shmcb.load
Include mods-available/ssl.load
Include mods-available/proxy.load
Include mods-available/proxy_http.load
SSLSessionCache shmcb:{d}/ssl_scache(512000)
Listen 127.0.0.1:{tls_port}
Listen 127.0.0.1:{tls12_port}
Listen 127.0.0.1:{header_port}
<VirtualHost 127.0.0.1:{tls_port}>
    SSLEngine On
    SSLCertificateFile {d}/server.crt
    SSLCertificateKeyFile {d}/server.key
    SSLCACertificateFile {d}/ca.crt
    SSLVerifyClient require
    SSLVerifyDepth 2
    ProxyPass / {backend}/
</VirtualHost>
<VirtualHost 127.0.0.1:{tls12_port}>
    SSLEngine On
    SSLProtocol -all +TLSv1.2
    SSLCertificateFile {d}/server.crt
    SSLCertificateKeyFile {d}/server.key
    SSLCACertificateFile {d}/ca.crt
    SSLVerifyClient require
    ProxyPass / {backend}/
</VirtualHost>
<VirtualHost 127.0.0.1:{header_port}>
    <Location />
        Require expr \"%{{HTTP:X-Front-Token}} == 'opensesame'\"
    </Location>
    ProxyPass / {backend}/
</VirtualHost>
"
        );
        std::fs::write(dir.join("apache.conf"), conf).expect("write apache.conf");
        let front = Front {
            dir,
            tls_port,
            tls12_port,
            header_port,
        };
        front.apache("start");
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", tls_port)).is_err() {
            assert!(
                std::time::Instant::now() < until,
                "the Apache front did not start: {}",
                std::fs::read_to_string(front.dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        front
    }

    fn apache(&self, action: &str) {
        let status = Command::new("apache2")
            .args(["-f", &self.path("apache.conf"), "-k", action])
            .env("APACHE_RUN_DIR", &self.dir)
            .stdin(Stdio::null())
            .status()
            .expect("run apache2");
        assert!(
            status.success() || action == "stop",
            "apache2 -k {action} failed"
        );
    }
}

impl Drop for Front {
    fn drop(&mut self) {
        self.apache("stop");
        let pid = self.dir.join("apache.pid");
        let until = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while pid.exists() && std::time::Instant::now() < until {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_front_requiring_a_client_certificate_is_checked_with_one_and_named_without() {
    let Some(m) = misp() else { return };
    let _lock = reading();
    let front = Front::start(&m.http);
    let (url, ca, key) = (front.url(), front.path("ca.crt"), m.key_file());
    let base = ["-u", url.as_str(), "--ca-cert", ca.as_str()];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter().chain(extra).map(|s| (*s).to_owned()).collect()
    };
    let run = |args: Vec<String>| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        m.run(&refs)
    };

    // Without a certificate: one sentence naming the option, for a keyless check and a
    // check with the key alike.
    run(with(&["heartbeat"]))
        .expect(2, "MISP HEARTBEAT CRITICAL - TLS with 127.0.0.1 failed: the server requires a client certificate and none was given: use --client-cert FILE and --client-key FILE");
    run(with(&["workers", "-k", &key]))
        .expect(2, "MISP WORKERS CRITICAL")
        .says("requires a client certificate");

    // With it, every kind of check reaches MISP through the front.
    let (cert, client_key) = (front.path("client.crt"), front.path("client.key"));
    let id = [
        "--client-cert",
        cert.as_str(),
        "--client-key",
        client_key.as_str(),
    ];
    run(with(&[&["heartbeat"][..], &id].concat())).expect(0, "MISP HEARTBEAT OK");
    run(with(
        &[&["workers", "-k", key.as_str(), "-v"][..], &id].concat(),
    ))
    .expect(0, "MISP WORKERS OK")
    .says(&format!(
        "/servers/getWorkers with client certificate {cert} -> 200"
    ));
    run(with(&[&["cert"][..], &id].concat())).expect(0, "MISP CERT OK");
    // check_curl's -J/-K, and the key in the certificate file.
    let both = front.path("client-with-key.pem");
    run(with(&["login", "-J", &both])).expect(0, "MISP LOGIN OK");
    run(with(&["login", "-J", &cert, "-K", &client_key])).expect(0, "MISP LOGIN OK");

    // TLS 1.2 refuses inside the handshake; the sentence is the same.
    let tls12 = format!("https://127.0.0.1:{}", front.tls12_port);
    m.run(&["heartbeat", "-u", &tls12, "--ca-cert", &ca])
        .expect(2, "MISP HEARTBEAT CRITICAL - TLS with 127.0.0.1 failed: the server requires a client certificate and none was given");
    m.run(&["heartbeat", "-u", &tls12, "--ca-cert", &ca, "-J", &both])
        .expect(0, "MISP HEARTBEAT OK");

    let stranger = (front.path("stranger.crt"), front.path("stranger.key"));
    m.run(&[
        "heartbeat",
        "-u",
        &tls12,
        "--ca-cert",
        &ca,
        "-J",
        &stranger.0,
        "-K",
        &stranger.1,
    ])
    .expect(2, "MISP HEARTBEAT CRITICAL")
    .says("stranger.crt: the server does not trust the CA that issued it");

    // A certificate from a CA the front does not trust is named as refused.
    run(with(&[
        "heartbeat",
        "--client-cert",
        &stranger.0,
        "--client-key",
        &stranger.1,
    ]))
    .expect(2, "MISP HEARTBEAT CRITICAL")
    .says("did not accept the client certificate from --client-cert")
    .says("stranger.crt: the server does not trust the CA that issued it");
}

#[test]
fn unusable_client_certificate_files_are_unknown_with_one_sentence() {
    let Some(m) = misp() else { return };
    let _lock = reading();
    let front = Front::start(&m.http);
    let url = front.url();
    let (cert, wrong_key) = (front.path("client.crt"), front.path("stranger.key"));
    m.run(&[
        "heartbeat",
        "-u",
        &url,
        "--client-cert",
        &cert,
        "--client-key",
        &wrong_key,
    ])
    .expect(3, "MISP HEARTBEAT UNKNOWN - the key in --client-key ")
    .says("does not belong to the certificate in --client-cert");
    m.run(&["heartbeat", "-u", &url, "--client-cert", &cert])
        .expect(
            3,
            "MISP HEARTBEAT UNKNOWN - no private key found in --client-cert",
        )
        .says("--client-key FILE");
    let missing = front.path("nothing.pem");
    m.run(&["heartbeat", "-u", &url, "--client-cert", &missing])
        .expect(3, "MISP HEARTBEAT UNKNOWN - cannot read --client-cert ");
    m.run(&[
        "heartbeat",
        "-u",
        &url,
        "--client-cert",
        &wrong_key,
        "--client-key",
        &wrong_key,
    ])
    .expect(
        3,
        "MISP HEARTBEAT UNKNOWN - no certificate (BEGIN CERTIFICATE) found in --client-cert",
    );
}

#[test]
fn a_front_requiring_a_header_gets_it_and_verbose_output_names_it_only() {
    let Some(m) = misp() else { return };
    let _lock = reading();
    let front = Front::start(&m.http);
    let url = front.header_url();
    let key = m.key_file();
    m.run(&["workers", "-u", &url, "-k", &key])
        .expect(2, "MISP WORKERS CRITICAL - MISP answered 403");
    let r = m.run(&[
        "workers",
        "-u",
        &url,
        "-k",
        &key,
        "--header",
        "X-Front-Token: opensesame",
        "-v",
    ]);
    r.expect(0, "MISP WORKERS OK")
        .says("with header x-front-token");
    assert!(
        !r.stdout.contains("opensesame"),
        "header value printed: {r:#?}"
    );
    m.run(&[
        "heartbeat",
        "-u",
        &url,
        "--header",
        "X-Front-Token: opensesame",
    ])
    .expect(0, "MISP HEARTBEAT OK");

    // Never the key's header, never the key.
    m.run(&[
        "workers",
        "-u",
        &url,
        "-k",
        &key,
        "--header",
        "AuThorization: x",
    ])
    .expect(
        3,
        "MISP WORKERS UNKNOWN - --header cannot set AuThorization",
    );
    let leak = format!("X-Front-Token: {}", m.key);
    let r = m.run(&["workers", "-u", &url, "-k", &key, "--header", &leak]);
    r.expect(
        3,
        "MISP WORKERS UNKNOWN - --header X-Front-Token: the value holds the API key",
    );
    // Also for a check that sends no key itself.
    m.run(&["heartbeat", "-u", &url, "-k", &key, "--header", &leak])
        .expect(
            3,
            "MISP HEARTBEAT UNKNOWN - --header X-Front-Token: the value holds the API key",
        );
    m.run(&["workers", "-u", &url, "-k", &key, "--header", "no colon"])
        .expect(3, "MISP WORKERS UNKNOWN - --header takes 'Name: value'");
}
