# shellcheck shell=bash
# Helpers shared by install.sh and update.sh (sourced, never run).
#
# Every change goes through these functions so that:
#   * --root DIR writes under DIR instead of / and never touches the host (apt, users, systemd
#     are printed as "exécuterait"), which is how the tests stage a whole Pi in a temporary folder;
#   * --dry-run prints each action and changes nothing;
#   * a second run finds every file already right and says "Rien à changer".

# "&" in a ${var//pattern/value} value must stay a plain character (bash 5.2).
shopt -u patsub_replacement 2>/dev/null || true

ROOT="${ROOT:-}"
DRY_RUN="${DRY_RUN:-0}"
CHANGES=0
# shellcheck disable=SC2034 # read by the scripts that source this file
LAST_CHANGED=0

log() { printf '%s\n' "$*"; }
warn() { printf 'attention : %s\n' "$*" >&2; }
die() {
    printf 'erreur : %s\n' "$*" >&2
    exit 1
}

# target PATH: where a path of the installed system lives for this run.
target() { printf '%s%s' "$ROOT" "$1"; }

# host_actions: true when commands acting on the running system may really run.
host_actions() { [ "$DRY_RUN" = 0 ] && [ -z "$ROOT" ]; }

# run CMD...: a command that changes the host (apt, useradd, systemctl...).
run() {
    if ! host_actions; then
        log "exécuterait : $*"
        return 0
    fi
    log "exécute : $*"
    # A failing command fails run too, also where set -e does not apply (if ! run ...).
    "$@" || return
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
        log "écrirait $path (mode $mode)"
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
    log "écrit $path (mode $mode)"
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
        log "créerait le dossier $path (mode $mode)"
        return 0
    fi
    mkdir -p "$dest"
    chmod "$mode" "$dest"
    if [ -n "$owner" ] && [ -z "$ROOT" ]; then
        chown "$owner" "$dest"
    fi
    log "dossier $path (mode $mode)"
    CHANGES=$((CHANGES + 1))
}

# remove_file PATH: delete a file of the target system if present.
remove_file() {
    local dest
    dest="$(target "$1")"
    [ -e "$dest" ] || [ -L "$dest" ] || return 0
    if [ "$DRY_RUN" = 1 ]; then
        log "supprimerait $1"
        return 0
    fi
    rm -f "$dest"
    log "supprimé $1"
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
        die "modèle $file : espace réservé non remplacé $(printf '%s' "$text" | grep -o '@[A-Z_]*@' | head -n 1)"
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
        *[\"\'\\$'\n']*) die "la valeur de $1 ne doit contenir ni guillemets, ni barres obliques inverses, ni retours à la ligne" ;;
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
        [ -f "$src/pyproject.toml" ] || die "$src n'a pas de pyproject.toml : ce n'est pas un dossier source de Couloir"
        sed -n 's/^version *= *"\([^"]*\)".*/\1/p' "$src/pyproject.toml" | head -n 1
    else
        name="$(basename "$src")"
        case "$name" in
            couloir-*.whl) name="${name#couloir-}" && printf '%s\n' "${name%%-*}" ;;
            *) die "$src n'est ni un dossier source ni une roue couloir-*.whl" ;;
        esac
    fi
}

# --- pip: pins, offline wheelhouse, index and proxies ------------------------------------------
# Set by the scripts' options (--constraints, --unpinned, --wheelhouse, --pip-conf, --proxy).
# PIP_CONF=1 keeps pip's own configuration: the Pi's scripts set 0 (ignore it) unless
# --pip-conf; deploy/server, which shares this file, keeps it.
CONSTRAINTS=""
UNPINNED=0
WHEELHOUSE=""
PIP_CONF=1
PROXY=""
# A stand-in systemctl (tests), set by the scripts themselves; never read from the environment.
SYSTEMCTL=""
# Proxy variables, as programs read them: curl and apt the lower case ones, others either.
PROXY_VARS=(http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY)

# pip_validate: check the --wheelhouse and --proxy values.
pip_validate() {
    if [ -n "$WHEELHOUSE" ]; then
        [ -d "$WHEELHOUSE" ] || die "--wheelhouse $WHEELHOUSE : dossier introuvable"
        WHEELHOUSE="$(cd "$WHEELHOUSE" && pwd)"
    fi
    case "$PROXY" in "" | http://?* | https://?*) ;; *) die "--proxy doit commencer par http:// ou https://" ;; esac
    if [ "$UNPINNED" = 1 ] && [ -n "$CONSTRAINTS" ]; then die "--unpinned et --constraints s'excluent"; fi
    return 0
}

# find_constraints SOURCE: set CONSTRAINTS to the pins SOURCE is installed with: the file given
# (--constraints), else deploy/constraints.txt of a checkout, else constraints.txt beside a
# wheel. Without one the install is refused, unless --unpinned.
find_constraints() {
    local src="$1" found
    [ "$UNPINNED" = 0 ] || return 0
    if [ -n "$CONSTRAINTS" ]; then
        found="$CONSTRAINTS"
        [ -f "$found" ] || die "--constraints $found : fichier introuvable"
    elif [ -d "$src" ]; then
        found="$src/deploy/constraints.txt"
    else
        found="$(dirname "$src")/constraints.txt"
    fi
    [ -f "$found" ] || die "pas de versions épinglées pour $src : copiez à côté de la roue le deploy/constraints.txt de la même version (sous le nom constraints.txt), ou donnez --constraints FICHIER (--unpinned installe sans, déconseillé)"
    CONSTRAINTS="$(cd "$(dirname "$found")" && pwd)/$(basename "$found")"
}

# proxy_setup: the proxy variables every download (apt, pip) uses, in both cases. --proxy URL
# sets them; under sudo, which drops them, they are taken back from the caller's environment
# (the sudo process's own) when none survived.
proxy_setup() {
    local name value lower upper
    if [ -n "$PROXY" ]; then
        export http_proxy="$PROXY" https_proxy="$PROXY"
    elif [ -n "${SUDO_USER:-}" ] && ! _proxy_set; then
        _proxy_from_sudo
    fi
    for lower in http_proxy https_proxy no_proxy; do
        upper="${lower^^}"
        value="${!lower:-${!upper:-}}"
        [ -n "$value" ] || continue
        export "$lower=$value" "$upper=$value"
    done
    for name in http_proxy https_proxy; do
        [ -n "${!name:-}" ] && log "proxy ($name) : $(_hide_password "${!name}")"
    done
    return 0
}

_proxy_set() {
    local name
    for name in "${PROXY_VARS[@]}"; do
        [ -n "${!name:-}" ] && return 0
    done
    return 1
}

# _proxy_from_sudo: copy the proxy variables of the nearest sudo above this script.
_proxy_from_sudo() {
    local pid="$$" comm line name parent
    while [ "$pid" -gt 1 ]; do
        parent="$(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" || return 0
        [ -n "$parent" ] || return 0
        pid="$parent"
        comm="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 0
        [ "$comm" = sudo ] || continue
        while IFS= read -r -d '' line; do
            name="${line%%=*}"
            case " ${PROXY_VARS[*]} " in *" $name "*)
                [ -n "${line#*=}" ] || continue
                export "$name=${line#*=}"
                log "proxy : $name repris de l'environnement de sudo"
                ;;
            esac
        done <"/proc/$pid/environ"
        return 0
    done
    return 0
}

# _hide_password URL: URL without the password of a user:password@ part.
_hide_password() {
    printf '%s' "$1" | sed -E 's#^([a-z]+://[^:/@]+):[^@]*@#\1:***@#'
}

# pip_env: the environment pip runs in. Unless --pip-conf, pip's configuration files
# (/etc/pip.conf, where Raspberry Pi OS adds its extra index) and PIP_* index variables are
# ignored: pins come from the default index or the wheelhouse only.
pip_env() {
    if [ "$PIP_CONF" = 1 ]; then
        printf '%s\n' env
    else
        printf '%s\n' env -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_FIND_LINKS -u PIP_NO_INDEX \
            PIP_CONFIG_FILE=/dev/null
    fi
}

# pip_args: pip install's arguments for the pins and the wheelhouse.
pip_args() {
    if [ -n "$CONSTRAINTS" ]; then printf '%s\n' --constraint "$CONSTRAINTS"; fi
    if [ -n "$WHEELHOUSE" ]; then printf '%s\n' --no-index --find-links "$WHEELHOUSE"; fi
    return 0
}

# pip_summary: one line saying where the packages come from and how they are pinned.
pip_summary() {
    local where="l'index par défaut de pip"
    [ "$PIP_CONF" = 1 ] && where="les index de la configuration pip du système (--pip-conf)"
    [ -n "$WHEELHOUSE" ] && where="le dossier $WHEELHOUSE, hors ligne"
    if [ -n "$CONSTRAINTS" ]; then
        log "paquets : $where ; versions épinglées par $CONSTRAINTS ($(grep -cE '^[^#[:space:]]' "$CONSTRAINTS") paquets)"
    else
        warn "paquets : $where ; versions NON épinglées (--unpinned) : celles du jour"
    fi
}

# make_venv DIR SOURCE: create a virtualenv at DIR (a real path) and install SOURCE into it,
# with the pins and sources the options chose (pip_args, pip_env).
# COULOIR_PIP_ARGS adds pip arguments (the tests: --no-deps --no-index);
# COULOIR_VENV_SITE adds a folder of already installed packages to the venv (tests, offline);
# COULOIR_PIP names a pip command to drive the venv from outside (pip --python), so the
# venv needs no pip of its own: much faster, used by the tests.
make_venv() {
    local dir="$1" src="$2" python="${PYTHON:-python3}" site pip pip_sources pip_environment
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
    mapfile -t pip_sources < <(pip_args)
    mapfile -t pip_environment < <(pip_env)
    # shellcheck disable=SC2086 # COULOIR_PIP_ARGS is a list of words on purpose
    "${pip_environment[@]}" "${pip[@]}" install --quiet --disable-pip-version-check \
        "${pip_sources[@]}" ${COULOIR_PIP_ARGS:-} "$src" || return 1
}

# need_value OPTION [VALUE...]: die unless OPTION is followed by a non-empty value.
need_value() {
    if [ "$#" -lt 2 ] || [ -z "$2" ]; then die "$1 attend une valeur (voir --help)"; fi
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

# unit_enabled / unit_active UNIT: the unit's state on a real host (false when staging,
# unless a stand-in systemctl was given: SYSTEMCTL).
unit_enabled() { _unit_query is-enabled "$1"; }
unit_active() { _unit_query is-active "$1"; }
_unit_query() {
    if [ -n "${SYSTEMCTL:-}" ] && [ "$DRY_RUN" = 0 ]; then
        "$SYSTEMCTL" "$1" --quiet "$2" 2>/dev/null
    else
        host_actions && systemctl "$1" --quiet "$2" 2>/dev/null
    fi
}
