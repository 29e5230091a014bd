#!/bin/sh
# install.sh [--bin PATH] [--prefix PREFIX | --no-docs] DIR
#
# Installs check_misp into the plugin directory DIR (e.g. /usr/lib/nagios/plugins, or
# OpenNMS's /opt/opennms/etc/monitoring-scripts):
#   DIR/check_misp                 the binary
#   DIR/check_misp_<CHECK>         a symlink per check, for Nagios/Icinga 2/NRPE commands
#   DIR/misp-*.sh                  the drop-in OpenNMS scripts (misp-rest.sh, ...)
# and, below PREFIX (default /usr/local), the man pages and shell completions:
#   PREFIX/share/man/man1/check_misp.1, check_misp-<CHECK>.1 (check_misp_<CHECK>.1 links)
#   PREFIX/share/bash-completion/completions/check_misp
#   PREFIX/share/zsh/site-functions/_check_misp
#   PREFIX/share/fish/vendor_completions.d/check_misp.fish
#
# --bin defaults to target/release/check_misp of this source tree (cargo build --release).
# The check names come from the committed man pages (one per check, generated from the
# same clap definitions the binary parses), so nothing here needs cargo.
set -eu

usage() {
    echo "usage: $0 [--bin PATH] [--prefix PREFIX | --no-docs] DIR" >&2
    exit 2
}

src=$(cd "$(dirname "$0")/.." && pwd)
bin=$src/target/release/check_misp
prefix=/usr/local
docs=1
while [ $# -gt 0 ]; do
    case $1 in
        --bin) [ $# -ge 2 ] || usage; bin=$2; shift 2 ;;
        --prefix) [ $# -ge 2 ] || usage; prefix=$2; shift 2 ;;
        --no-docs) docs=0; shift ;;
        -h | --help) usage ;;
        -*) echo "$0: unknown option $1" >&2; usage ;;
        *) break ;;
    esac
done
[ $# -eq 1 ] || usage
dir=$1

[ -x "$bin" ] || {
    echo "$0: no binary at $bin: run 'cargo build --release' or pass --bin PATH" >&2
    exit 1
}
[ -d "$src/doc/man" ] || {
    echo "$0: $src/doc/man is missing: run from a check_misp source tree" >&2
    exit 1
}

checks=
for page in "$src"/doc/man/check_misp-*.1; do
    [ -e "$page" ] || continue
    name=${page##*/check_misp-}
    checks="$checks ${name%.1}"
done
[ -n "$checks" ] || { echo "$0: no check pages in $src/doc/man" >&2; exit 1; }

mkdir -p "$dir"
install -m 0755 "$bin" "$dir/check_misp"
for check in $checks; do
    # Relative, so the directory can be moved or packaged as a whole.
    ln -sfn check_misp "$dir/check_misp_$check"
done
for script in "$src"/plugins/misp-*.sh; do
    install -m 0755 "$script" "$dir/${script##*/}"
done
echo "installed check_misp, check_misp_{$(echo $checks | tr ' ' ',')} and the OpenNMS scripts in $dir"

if [ "$docs" = 1 ]; then
    man1=$prefix/share/man/man1
    mkdir -p "$man1" "$prefix/share/bash-completion/completions" \
        "$prefix/share/zsh/site-functions" "$prefix/share/fish/vendor_completions.d"
    install -m 0644 "$src/doc/man/check_misp.1" "$man1/check_misp.1"
    for check in $checks; do
        install -m 0644 "$src/doc/man/check_misp-$check.1" "$man1/check_misp-$check.1"
        # `man check_misp_workers` finds the page of the name Nagios users type.
        ln -sfn "check_misp-$check.1" "$man1/check_misp_$check.1"
    done
    install -m 0644 "$src/doc/completions/check_misp.bash" \
        "$prefix/share/bash-completion/completions/check_misp"
    install -m 0644 "$src/doc/completions/_check_misp" "$prefix/share/zsh/site-functions/_check_misp"
    install -m 0644 "$src/doc/completions/check_misp.fish" \
        "$prefix/share/fish/vendor_completions.d/check_misp.fish"
    echo "installed the man pages and bash/zsh/fish completions below $prefix/share"
fi
