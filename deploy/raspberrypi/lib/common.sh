# shellcheck shell=bash
# Helpers shared by install.sh and update.sh (sourced, never run).
#
# Every change goes through these functions so that:
#   * --root DIR writes under DIR instead of / and never touches the host (apt, users, systemd
#     are printed as "would run"), which is how the tests stage a whole Pi in a temporary folder;
#   * --dry-run prints each action and changes nothing;
#   * a second run finds every file already right and says "Nothing to change".

# "&" in a ${var//pattern/value} value must stay a plain character (bash 5.2).
shopt -u patsub_replacement 2>/dev/null || true

ROOT="${ROOT:-}"
DRY_RUN="${DRY_RUN:-0}"
CHANGES=0
# shellcheck disable=SC2034 # read by the scripts that source this file
LAST_CHANGED=0

log() { printf '%s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

# target PATH: where a path of the installed system lives for this run.
target() { printf '%s%s' "$ROOT" "$1"; }

# host_actions: true when commands acting on the running system may really run.
host_actions() { [ "$DRY_RUN" = 0 ] && [ -z "$ROOT" ]; }

# run CMD...: a command that changes the host (apt, useradd, systemctl...).
run() {
    if ! host_actions; then
        log "would run: $*"
        return 0
    fi
    log "run: $*"
    "$@"
    CHANGES=$((CHANGES + 1))
}

# file_mode PATH: octal mode of PATH ("" when missing).
# Install the Debian packages of "$@" that are missing (all of them when staging).
install_packages() {
    local missing=() pkg
    if host_actions; then
        for pkg in "$@"; do
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
                missing+=("$pkg")
        done
    else
        missing=("$@")
    fi
    [ "${#missing[@]}" -eq 0 ] && return 0
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

file_mode() { stat -c '%a' "$1" 2>/dev/null || true; }

# put_file PATH MODE [OWNER]: install stdin as PATH (a path of the target system) when its
# content or mode differs. Sets LAST_CHANGED to 1 when it wrote (or would write) the file.
# The content is never printed: env files hold secrets.
put_file() {
    local path="$1" mode="$2" owner="${3:-}" dest tmp
    dest="$(target "$path")"
    tmp="$(mktemp)"
    cat >"$tmp"
    # shellcheck disable=SC2034
    LAST_CHANGED=0
    if [ -f "$dest" ] && [ ! -L "$dest" ] && cmp -s "$tmp" "$dest" &&
        [ "$(file_mode "$dest")" = "${mode#0}" ]; then
        rm -f "$tmp"
        return 0
    fi
    # shellcheck disable=SC2034
    LAST_CHANGED=1
    if [ "$DRY_RUN" = 1 ]; then
        rm -f "$tmp"
        log "would write $path (mode $mode)"
        return 0
    fi
    mkdir -p "$(dirname "$dest")"
    chmod "$mode" "$tmp"
    # Ownership only means something on the real system: the staging root has no such users.
    if [ -n "$owner" ] && [ -z "$ROOT" ]; then
        chown "$owner" "$tmp"
    fi
    # Same-directory rename so a reader never sees half a file (cmdline.txt, units...).
    local staged
    staged="$(mktemp "$(dirname "$dest")/.couloir.XXXXXX")"
    cat "$tmp" >"$staged"
    chmod "$mode" "$staged"
    if [ -n "$owner" ] && [ -z "$ROOT" ]; then
        chown "$owner" "$staged"
    fi
    rm -f "$tmp"
    mv -f "$staged" "$dest"
    log "wrote $path (mode $mode)"
    CHANGES=$((CHANGES + 1))
}

# copy_file SRC PATH MODE: install a file of this repository at PATH of the target system.
copy_file() {
    put_file "$2" "$3" root:root <"$1"
}

# ensure_dir PATH MODE [OWNER]: create a directory of the target system.
ensure_dir() {
    local path="$1" mode="$2" owner="${3:-}" dest
    dest="$(target "$path")"
    if [ -d "$dest" ] && [ "$(file_mode "$dest")" = "${mode#0}" ]; then
        if [ -z "$owner" ] || [ -n "$ROOT" ] || [ "$(stat -c '%U:%G' "$dest")" = "$owner" ]; then
            return 0
        fi
    fi
    if [ "$DRY_RUN" = 1 ]; then
        log "would create directory $path (mode $mode)"
        return 0
    fi
    mkdir -p "$dest"
    chmod "$mode" "$dest"
    if [ -n "$owner" ] && [ -z "$ROOT" ]; then
        chown "$owner" "$dest"
    fi
    log "directory $path (mode $mode)"
    CHANGES=$((CHANGES + 1))
}

# remove_file PATH: delete a file of the target system if present.
remove_file() {
    local dest
    dest="$(target "$1")"
    [ -e "$dest" ] || [ -L "$dest" ] || return 0
    if [ "$DRY_RUN" = 1 ]; then
        log "would remove $1"
        return 0
    fi
    rm -f "$dest"
    log "removed $1"
    CHANGES=$((CHANGES + 1))
}

# render_template FILE KEY=VALUE...: print FILE with each @KEY@ replaced by VALUE.
render_template() {
    local file="$1" text pair
    shift
    text="$(cat "$file")"
    for pair in "$@"; do
        text="${text//@${pair%%=*}@/${pair#*=}}"
    done
    if printf '%s' "$text" | grep -q '@[A-Z_]*@'; then
        die "template $file: unreplaced placeholder $(printf '%s' "$text" | grep -o '@[A-Z_]*@' | head -n 1)"
    fi
    printf '%s\n' "$text"
}

# env_get FILE KEY: value of KEY in an EnvironmentFile (quotes removed), empty when absent.
# The file is parsed, never sourced: it must not be able to run code as root.
env_get() {
    local file="$1" key="$2" line value
    [ -f "$file" ] || return 0
    line="$(grep -E "^[[:space:]]*${key}=" "$file" | tail -n 1 || true)"
    [ -n "$line" ] || return 0
    value="${line#*=}"
    case "$value" in
        \"*\") value="${value#\"}" value="${value%\"}" ;;
        \'*\') value="${value#\'}" value="${value%\'}" ;;
    esac
    printf '%s' "$value"
}

# env_line KEY VALUE: one EnvironmentFile line, quoted when the value holds spaces.
env_line() {
    case "$2" in
        *[\"\'\\$'\n']*) die "value of $1 must not contain quotes, backslashes or newlines" ;;
        *[[:space:]]*) printf '%s="%s"\n' "$1" "$2" ;;
        *) printf '%s=%s\n' "$1" "$2" ;;
    esac
}

# env_export FILE: export every KEY=VALUE of an EnvironmentFile into this shell.
env_export() {
    local file="$1" key
    [ -f "$file" ] || return 0
    while IFS= read -r key; do
        export "$key=$(env_get "$file" "$key")"
    done < <(grep -oE '^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*=' "$file" | tr -d ' =' | sort -u)
}

# random_secret: 64 hexadecimal characters from the kernel's random source.
random_secret() {
    if command -v openssl >/dev/null 2>&1; then
        openssl rand -hex 32
    else
        od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
        printf '\n'
    fi
}

# version_of SOURCE: the couloir version a wheel or a source folder holds.
version_of() {
    local src="$1" name
    if [ -d "$src" ]; then
        [ -f "$src/pyproject.toml" ] || die "$src has no pyproject.toml: not a Couloir source folder"
        sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$src/pyproject.toml" | head -n 1
    else
        name="$(basename "$src")"
        case "$name" in
            couloir-*.whl) name="${name#couloir-}" && printf '%s\n' "${name%%-*}" ;;
            *) die "$src is neither a source folder nor a couloir-*.whl wheel" ;;
        esac
    fi
}

# make_venv DIR SOURCE: create a virtualenv at DIR (a real path) and install SOURCE into it.
# COULOIR_PIP_ARGS adds pip arguments (e.g. --no-index --find-links for an offline wheelhouse);
# COULOIR_VENV_SITE adds a folder of already installed packages to the venv (tests, offline);
# COULOIR_PIP names a pip command to drive the venv from outside (pip --python), so the
# venv needs no pip of its own: much faster, used by the tests.
make_venv() {
    local dir="$1" src="$2" python="${PYTHON:-python3}" site pip
    if [ -n "${COULOIR_PIP:-}" ]; then
        "$python" -m venv --without-pip "$dir" || return 1
        # shellcheck disable=SC2206 # a command line given as words on purpose
        pip=(${COULOIR_PIP} --python "$dir/bin/python")
    else
        "$python" -m venv "$dir" || return 1
        pip=("$dir/bin/python" -m pip)
    fi
    if [ -n "${COULOIR_VENV_SITE:-}" ]; then
        site="$("$dir/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
        printf '%s\n' "$COULOIR_VENV_SITE" >"$site/couloir-extra-site.pth"
    fi
    # shellcheck disable=SC2086 # COULOIR_PIP_ARGS is a list of words on purpose
    "${pip[@]}" install --quiet --disable-pip-version-check ${COULOIR_PIP_ARGS:-} "$src" || return 1
}

# need_value OPTION [VALUE...]: die unless OPTION is followed by a non-empty value.
need_value() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value (see --help)"; fi
}

# env_set CONTENT KEY VALUE: CONTENT with KEY set to VALUE (replaced in place or appended).
env_set() {
    local content="$1" key="$2" line
    line="$(env_line "$key" "$3")"
    if printf '%s\n' "$content" | grep -qE "^#? *$key="; then
        printf '%s\n' "$content" | awk -v key="$key" -v line="$line" '
            BEGIN { done = 0 }
            $0 ~ "^#? *" key "=" { if (!done) { print line; done = 1 }; next }
            { print }'
    else
        printf '%s\n%s\n' "$content" "$line"
    fi
}

# unit_enabled / unit_active UNIT: the unit's state on a real host (false when staging).
unit_enabled() { host_actions && systemctl is-enabled --quiet "$1" 2>/dev/null; }
unit_active() { host_actions && systemctl is-active --quiet "$1" 2>/dev/null; }
