#!/bin/sh
# Writes hashes.tsv: password hashes as real tools write them, one per
# line: the kind CredentialKind must give, the tool's name of the scheme,
# the hash. Needs mkpasswd (Debian's whois package) and python3-passlib
# with python3-argon2. The passwords are made up.
set -eu
out=hashes.tsv
: >"$out"
for m in yescrypt:strong gost-yescrypt:strong scrypt:strong bcrypt:strong bcrypt-a:strong sha512crypt:strong \
	sha256crypt:strong md5crypt:weak nt:weak; do
	printf '%s_hash\tmkpasswd-%s\t%s\n' "${m#*:}" "${m%%:*}" "$(mkpasswd -m "${m%%:*}" 'Soleil2023!')" >>"$out"
done
/usr/bin/python3 - >>"$out" <<'PY'
from passlib import hash as h
for kind, name in [
    ("weak", "ldap_salted_sha1"), ("weak", "ldap_sha1"), ("weak", "ldap_md5"), ("weak", "ldap_salted_md5"),
    ("weak", "ldap_salted_sha256"), ("weak", "ldap_salted_sha512"), ("strong", "ldap_pbkdf2_sha256"),
    ("strong", "ldap_pbkdf2_sha512"), ("strong", "ldap_sha512_crypt"), ("weak", "ldap_md5_crypt"), ("weak", "ldap_des_crypt"),
    ("strong", "ldap_bcrypt"),
    ("strong", "django_pbkdf2_sha256"), ("strong", "django_pbkdf2_sha1"), ("strong", "django_argon2"),
    ("strong", "django_bcrypt_sha256"), ("weak", "django_salted_sha1"), ("weak", "django_salted_md5"),
    ("weak", "phpass"), ("strong", "argon2"), ("weak", "apr_md5_crypt"), ("strong", "bcrypt_sha256"),
    ("strong", "pbkdf2_sha256"), ("strong", "pbkdf2_sha512"), ("strong", "scrypt"),
    ("weak", "hex_md5"), ("weak", "hex_sha1"), ("weak", "hex_sha256"), ("weak", "hex_sha512"),
]:
    print(f"{kind}_hash\tpasslib-{name}\t{getattr(h, name).hash('Soleil2023!')}")
print("plaintext\tdovecot-cleartext\t{CLEARTEXT}Soleil2023!")
print("plaintext\tdovecot-plain\t{PLAIN}Soleil2023!")
PY
