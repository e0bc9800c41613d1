#!/usr/bin/env bash
# install.sh — turn Raspberry Pi OS Lite (Bookworm or Trixie, 64-bit) into a Couloir kiosk.
#
#   sudo ./install.sh --role all                         # server + SQLite + screen on this Pi
#   sudo ./install.sh --role screen --api http://couloir.example:8000 [--token T]
#
# Safe to run again: every file is compared before it is written, secrets are never
# regenerated, and a run that finds everything in place says "Nothing to change".
# See README.md next to this script for the options and for what each step does.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$HERE/lib/common.sh"

PREFIX=/opt/couloir
CONF_DIR=/etc/couloir
ENV_FILE=$CONF_DIR/couloir.env
DATA_DIR=/var/lib/couloir
CACHE_DIR=/var/cache/couloir
UNIT_DIR=/etc/systemd/system
SERVICE_USER=couloir
TTY=tty1
CMDLINE_MARK=.couloir-orig

ROLE=""
API_URL="" API_GIVEN=0
TOKEN="" TOKEN_GIVEN=0
PUBLIC_URL="" PUBLIC_URL_GIVEN=0
PORT=8000 PORT_GIVEN=0
ROTATE="" ROTATE_GIVEN=0
CONNECTOR=HDMI-A-1
VIDEO_MODE=1920x1080@60D
EDID=""
BACKUP_DIR=/var/backups/couloir
BACKUP_KEEP=14
JOURNAL=persistent
WATCHDOG=14s
SOURCE=""
PYTHON="${PYTHON:-python3}"
BOOT=1
UNINSTALL_BOOT=0
HTTPS=0
REBOOT_NEEDED=0

usage() {
    cat <<'EOF'
Usage: install.sh --role all|screen [options]

Roles:
  --role all             service + SQLite + screen on this Pi (phones reach it on the network)
  --role screen          screen only; needs --api (the service runs elsewhere)

Screen:
  --api URL              service the screen reads (role all: this Pi)
  --token TOKEN          screen token from "couloir screen add"; without it the screen shows
                         a pairing code for a manager to enter on the phone
  --rotate 0|90|180|270  portrait or upside-down TV
  --video MODE           kernel video mode (default 1920x1080@60D; D forces the output on)
  --connector NAME       HDMI connector (default HDMI-A-1, the port next to the power socket)
  --edid FILE|capture    use a stored EDID (for TVs that are off at boot); "capture" reads it
                         from the TV now (it must be on)
  --no-boot              leave cmdline.txt and config.txt alone
  --uninstall-boot       undo this script's cmdline.txt/config.txt changes and stop

Service (role all):
  --public-url URL       base URL phones use, put in QR codes (default http://HOSTNAME.local:PORT)
  --port N               HTTP port (default 8000)
  --backup-dir DIR       nightly backups (default /var/backups/couloir; may be a USB stick)
  --backup-keep N        copies kept (default 14)
  --https                put Caddy in front with its own local CA (see README)

System:
  --journal persistent|volatile   journal on the card (capped at 64 MB) or in RAM only
  --source DIR|WHEEL     what to install (default: the checkout holding this script)
  --python PY            interpreter for the virtualenv (default python3)
  --root DIR             write everything under DIR, run no system command (staging, tests)
  --dry-run              print every action, change nothing
  -h, --help             this help
EOF
}

parse_args() {
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --role) need_value "$@" && ROLE="$2" && shift ;;
            --api) need_value "$@" && API_URL="$2" API_GIVEN=1 && shift ;;
            --token) need_value "$@" && TOKEN="$2" TOKEN_GIVEN=1 && shift ;;
            --public-url) need_value "$@" && PUBLIC_URL="$2" PUBLIC_URL_GIVEN=1 && shift ;;
            --port) need_value "$@" && PORT="$2" PORT_GIVEN=1 && shift ;;
            --rotate) need_value "$@" && ROTATE="$2" ROTATE_GIVEN=1 && shift ;;
            --video) need_value "$@" && VIDEO_MODE="$2" && shift ;;
            --connector) need_value "$@" && CONNECTOR="$2" && shift ;;
            --edid) need_value "$@" && EDID="$2" && shift ;;
            --backup-dir) need_value "$@" && BACKUP_DIR="$2" && shift ;;
            --backup-keep) need_value "$@" && BACKUP_KEEP="$2" && shift ;;
            --journal) need_value "$@" && JOURNAL="$2" && shift ;;
            --source) need_value "$@" && SOURCE="$2" && shift ;;
            --python) need_value "$@" && PYTHON="$2" && shift ;;
            --root) need_value "$@" && ROOT="$2" && shift ;;
            --https) HTTPS=1 ;;
            --no-boot) BOOT=0 ;;
            --uninstall-boot) UNINSTALL_BOOT=1 ;;
            --dry-run) DRY_RUN=1 ;;
            -h | --help) usage && exit 0 ;;
            *) die "unknown option '$1' (see --help)" ;;
        esac
        shift
    done
}

validate_args() {
    if [ -n "$ROOT" ]; then
        [ -d "$ROOT" ] || die "--root $ROOT: no such folder"
        ROOT="$(cd "$ROOT" && pwd)"
    fi
    [ "$UNINSTALL_BOOT" = 1 ] && return 0
    case "$ROLE" in
        all | screen) ;;
        "") die "say which role this Pi plays: --role all or --role screen" ;;
        *) die "--role must be 'all' or 'screen', not '$ROLE'" ;;
    esac
    if [ "$ROLE" = screen ] && [ -z "$API_URL" ] && [ ! -f "$(target "$ENV_FILE")" ]; then
        die "--role screen needs --api URL (the address of the Couloir service)"
    fi
    case "$API_URL" in "" | http://?* | https://?*) ;; *) die "--api must start with http:// or https://" ;; esac
    case "$PUBLIC_URL" in "" | http://?* | https://?*) ;; *) die "--public-url must start with http:// or https://" ;; esac
    case "$PORT" in '' | *[!0-9]*) die "--port must be a number" ;; esac
    if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then die "--port must be between 1 and 65535"; fi
    case "$ROTATE" in "" | 0 | 90 | 180 | 270) ;; *) die "--rotate must be 0, 90, 180 or 270" ;; esac
    case "$BACKUP_KEEP" in '' | *[!0-9]* | 0) die "--backup-keep must be a number above 0" ;; esac
    case "$JOURNAL" in persistent | volatile) ;; *) die "--journal must be persistent or volatile" ;; esac
    [[ "$VIDEO_MODE" =~ ^[0-9]+x[0-9]+(M?R?)?(@[0-9]+)?(i|m|e|d|D)?$ ]] ||
        die "--video must look like 1920x1080@60D, not '$VIDEO_MODE'"
    [[ "$CONNECTOR" =~ ^[A-Za-z]+-[A-Za-z]-?[0-9]+$ ]] || die "--connector must look like HDMI-A-1"
    case "$BACKUP_DIR" in /*) ;; *) die "--backup-dir must be an absolute path" ;; esac
    [ "$HTTPS" = 0 ] || [ "$ROLE" = all ] || die "--https only makes sense with --role all"
    if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
        die "run as root (sudo $0 ...), or use --dry-run to see what would be done"
    fi
    if [ -z "$SOURCE" ]; then
        SOURCE="$(cd "$HERE/../.." && pwd)"
    fi
    [ -e "$SOURCE" ] || die "--source $SOURCE: no such file or folder"
    SOURCE="$(cd "$(dirname "$SOURCE")" && pwd)/$(basename "$SOURCE")"
}

hostname_of_target() {
    local file
    file="$(target /etc/hostname)"
    if [ -n "$ROOT" ] && [ -f "$file" ]; then
        head -n 1 "$file"
    elif [ -n "$ROOT" ]; then
        printf 'couloir\n'
    else
        hostname
    fi
}

# --- Debian packages and the service user -----------------------------------------------

packages() {
    # SDL's KMSDRM driver loads EGL/GLES/GBM/DRM at run time; v4l-utils brings cec-ctl;
    # tzdata: the agency's time zone (zoneinfo), absent from a minimal Debian.
    local wanted=(python3-venv python3-pip ca-certificates libegl1 libgles2 libgbm1 libdrm2
        libegl-mesa0 libgl1-mesa-dri v4l-utils fonts-dejavu-core tzdata)
    [ "$ROLE" = all ] && wanted+=(sqlite3)
    [ "$HTTPS" = 1 ] && wanted+=(caddy)
    install_packages "${wanted[@]}"
}

service_user() {
    local groups=(video render input)
    if host_actions && id "$SERVICE_USER" >/dev/null 2>&1; then
        local have group
        have=" $(id -nG "$SERVICE_USER") "
        for group in "${groups[@]}"; do
            case "$have" in *" $group "*) ;; *) run usermod -aG "$group" "$SERVICE_USER" ;; esac
        done
        return 0
    fi
    run useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
        --shell /usr/sbin/nologin --groups "$(
            IFS=,
            printf '%s' "${groups[*]}"
        )" "$SERVICE_USER"
}

# --- Files -------------------------------------------------------------------------------

directories() {
    ensure_dir "$PREFIX" 755
    ensure_dir "$PREFIX/venvs" 755
    ensure_dir "$CONF_DIR" 750 "root:$SERVICE_USER"
    if [ "$ROLE" = all ]; then
        ensure_dir "$DATA_DIR" 750 "$SERVICE_USER:$SERVICE_USER"
        if [ "$BACKUP_DIR" = /var/backups/couloir ]; then
            ensure_dir "$BACKUP_DIR" 750 "$SERVICE_USER:$SERVICE_USER"
        elif [ ! -d "$(target "$BACKUP_DIR")" ]; then
            # A USB stick's folder must not be created on the SD card when the stick is out.
            warn "backup folder $BACKUP_DIR does not exist yet: mount the USB stick and create it (README, Backups)"
        fi
    fi
}

virtualenv() {
    local current venv version stamp
    current="$(target "$PREFIX/current")"
    version="$(version_of "$SOURCE")"
    if [ -e "$current" ]; then
        local running
        running="$("$current/bin/python" -c 'from importlib.metadata import version; print(version("couloir"))' 2>/dev/null || true)"
        if [ -n "$running" ] && [ "$running" != "$version" ]; then
            log "note: Couloir $running is installed, $SOURCE holds $version: $PREFIX/deploy/update.sh --source $SOURCE switches safely"
        fi
        return 0
    fi
    [ -n "$version" ] || die "cannot read the version of $SOURCE"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    venv="$PREFIX/venvs/$version-$stamp"
    if [ "$DRY_RUN" = 1 ]; then
        log "would create the virtualenv $venv and install $SOURCE into it"
        log "would point $PREFIX/current at it"
        return 0
    fi
    log "creating the virtualenv $venv (Couloir $version; a few minutes on a Pi)"
    make_venv "$(target "$venv")" "$SOURCE" || {
        rm -rf "$(target "$venv")"
        die "installing $SOURCE into $venv failed (see the pip messages above)"
    }
    # Relative link: the same tree works in a staging root and on the Pi.
    ln -sfn "venvs/$version-$stamp" "$current"
    log "linked $PREFIX/current -> venvs/$version-$stamp"
    CHANGES=$((CHANGES + 1))
}

deploy_files() {
    # A copy of this folder stays on the Pi: update.sh, the helper scripts and the README.
    local file rel mode
    while IFS= read -r file; do
        rel="${file#"$HERE"/}"
        mode=644
        [ -x "$file" ] && mode=755
        copy_file "$file" "$PREFIX/deploy/$rel" "$mode"
    done < <(find "$HERE" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' | sort)
}

env_file() {
    local file host content
    file="$(target "$ENV_FILE")"
    host="$(hostname_of_target)"
    if [ -z "$PUBLIC_URL" ] && [ "$HTTPS" = 1 ]; then
        PUBLIC_URL="https://$host.local"
    elif [ -z "$PUBLIC_URL" ]; then
        PUBLIC_URL="http://$host.local:$PORT"
    fi
    if [ "$ROLE" = all ] && [ -z "$API_URL" ]; then
        API_URL="http://127.0.0.1:$PORT"
    fi
    if [ -f "$file" ] && [ "$(env_get "$file" COULOIR_ROLE)" != "$ROLE" ]; then
        die "this Pi was set up with --role $(env_get "$file" COULOIR_ROLE); to change its role, move $ENV_FILE away first (it holds the secrets)"
    fi
    if [ ! -f "$file" ]; then
        # The secret key is generated here and goes only into the file (mode 0640).
        content="$(
            printf '# Couloir settings, read by the couloir-* systemd units (see README.md).\n'
            printf '# Written once by install.sh; edit freely. Re-running install.sh never\n'
            printf '# overwrites this file: it only updates the values given on its command line.\n'
            env_line COULOIR_ROLE "$ROLE"
            env_line COULOIR_ENV production
            if [ "$ROLE" = all ]; then
                env_line COULOIR_DATA_DIR "$DATA_DIR"
                env_line COULOIR_PUBLIC_URL "$PUBLIC_URL"
                plain_http_line "$PUBLIC_URL"
                env_line COULOIR_SECRET_KEY "$(random_secret)"
                env_line COULOIR_HOST 0.0.0.0
                env_line COULOIR_PORT "$PORT"
            fi
            env_line COULOIR_API_URL "$API_URL"
            if [ -n "$TOKEN" ]; then
                env_line COULOIR_SCREEN_TOKEN "$TOKEN"
            else
                printf '# COULOIR_SCREEN_TOKEN=  (empty: the screen shows a pairing code)\n'
            fi
            env_line COULOIR_SCREEN_OFF_COMMAND "$PREFIX/deploy/bin/couloir-screen-power off"
            env_line COULOIR_SCREEN_ON_COMMAND "$PREFIX/deploy/bin/couloir-screen-power on"
            env_line COULOIR_DISPLAY_ARGS "${ROTATE:+--rotate $ROTATE}"
        )"
        put_file "$ENV_FILE" 640 "root:$SERVICE_USER" <<<"$content"
        ENV_CHANGED=$LAST_CHANGED
        return 0
    fi
    # Existing file: keep it, secrets included; apply only what the command line says.
    content="$(cat "$file")"
    [ "$API_GIVEN" = 1 ] && content="$(env_set "$content" COULOIR_API_URL "$API_URL")"
    [ "$TOKEN_GIVEN" = 1 ] && content="$(env_set "$content" COULOIR_SCREEN_TOKEN "$TOKEN")"
    [ "$PUBLIC_URL_GIVEN" = 1 ] && content="$(env_set "$content" COULOIR_PUBLIC_URL "$PUBLIC_URL")"
    if [ "$PORT_GIVEN" = 1 ]; then
        content="$(env_set "$content" COULOIR_PORT "$PORT")"
        # The screen of an all-in-one Pi follows its own service to the new port.
        if [ "$ROLE" = all ] && [ "$API_GIVEN" = 0 ] &&
            [[ "$(env_get "$file" COULOIR_API_URL)" == http://127.0.0.1:* ]]; then
            content="$(env_set "$content" COULOIR_API_URL "http://127.0.0.1:$PORT")"
        fi
    fi
    if [ "$ROTATE_GIVEN" = 1 ]; then
        content="$(env_set "$content" COULOIR_DISPLAY_ARGS "--rotate $ROTATE")"
    fi
    if [ "$HTTPS" = 1 ] && [ "$PUBLIC_URL_GIVEN" = 0 ]; then
        content="$(env_set "$content" COULOIR_PUBLIC_URL "$PUBLIC_URL")"
    fi
    # Production refuses an http:// PUBLIC_URL unless told: files written before that rule
    # (or switched to HTTPS since) get the line that matches their address.
    if [ "$ROLE" = all ]; then
        case "$(printf '%s\n' "$content" | sed -n 's/^COULOIR_PUBLIC_URL=//p' | tr -d '"')" in
            http://*) content="$(env_set "$content" COULOIR_ALLOW_HTTP true)" ;;
            *) content="$(printf '%s\n' "$content" | grep -v '^COULOIR_ALLOW_HTTP=' || true)" ;;
        esac
    fi
    put_file "$ENV_FILE" 640 "root:$SERVICE_USER" <<<"$content"
    ENV_CHANGED=$LAST_CHANGED
}

# plain_http_line URL: COULOIR_ALLOW_HTTP=true when phones reach the service over plain HTTP
# (no --https): production mode refuses an http:// PUBLIC_URL without it.
plain_http_line() {
    case "$1" in http://*) env_line COULOIR_ALLOW_HTTP true ;; esac
}

UNITS_CHANGED=()
units() {
    local vars=(PREFIX="$PREFIX" ENV_FILE="$ENV_FILE" DATA_DIR="$DATA_DIR" CACHE_DIR="$CACHE_DIR"
        USER="$SERVICE_USER" TTY="$TTY" BACKUP_DIR="$BACKUP_DIR" KEEP="$BACKUP_KEEP")
    local unit content
    local wanted=(couloir-display.service couloir-screen-on.service)
    [ "$ROLE" = all ] && wanted+=(couloir-server.service couloir-backup.service)
    for unit in "${wanted[@]}"; do
        content="$(render_template "$HERE/systemd/$unit.in" "${vars[@]}")"
        put_file "$UNIT_DIR/$unit" 644 <<<"$content"
        if [ "$LAST_CHANGED" = 1 ]; then UNITS_CHANGED+=("$unit"); fi
    done
    if [ "$ROLE" = all ]; then
        copy_file "$HERE/systemd/couloir-backup.timer" "$UNIT_DIR/couloir-backup.timer" 644
        if [ "$LAST_CHANGED" = 1 ]; then UNITS_CHANGED+=(couloir-backup.timer); fi
    fi
    return 0
}

JOURNALD_CHANGED=0 MANAGER_CHANGED=0 ENV_CHANGED=0
system_dropins() {
    local content
    content="$(render_template "$HERE/conf/journald-couloir.conf" STORAGE="$JOURNAL")"
    put_file /etc/systemd/journald.conf.d/couloir.conf 644 <<<"$content"
    JOURNALD_CHANGED=$LAST_CHANGED
    content="$(render_template "$HERE/conf/system-watchdog.conf" RUNTIME="$WATCHDOG")"
    put_file /etc/systemd/system.conf.d/couloir-watchdog.conf 644 <<<"$content"
    MANAGER_CHANGED=$LAST_CHANGED
    if [ "$JOURNAL" = persistent ]; then
        ensure_dir /var/log/journal 2755 root:systemd-journal
    fi
}

https_proxy() {
    [ "$HTTPS" = 1 ] || return 0
    local host content
    host="$(hostname_of_target)"
    content="$(render_template "$HERE/conf/Caddyfile.in" HOST="$host.local" PORT="$PORT")"
    put_file /etc/caddy/Caddyfile 644 <<<"$content"
    if [ "$LAST_CHANGED" = 1 ]; then run systemctl reload-or-restart caddy.service; fi
}

# --- Boot configuration (cmdline.txt, config.txt, EDID) -------------------------------------

boot_dir() {
    local dir
    for dir in /boot/firmware /boot; do
        if [ -f "$(target "$dir/cmdline.txt")" ]; then
            printf '%s\n' "$dir"
            return 0
        fi
    done
    return 1
}

# Parameters this script owns, by prefix: anything else on the line is left untouched.
managed_prefixes() {
    printf '%s\n' "video=$CONNECTOR:" consoleblank= vt.global_cursor_default= drm.edid_firmware=
}

# cmdline_filter keep|only LINE: LINE without (keep) or with only (only) our parameters.
cmdline_filter() {
    local how="$1" word prefix ours out=() words=()
    read -ra words <<<"$2"
    for word in "${words[@]}"; do
        ours=0
        while IFS= read -r prefix; do
            case "$word" in "$prefix"*) ours=1 ;; esac
        done < <(managed_prefixes)
        if { [ "$how" = keep ] && [ "$ours" = 0 ]; } || { [ "$how" = only ] && [ "$ours" = 1 ]; }; then
            out+=("$word")
        fi
    done
    printf '%s\n' "${out[*]}"
}

edid_firmware() {
    [ -n "$EDID" ] || return 0
    local src="$EDID" candidate size header
    if [ "$EDID" = capture ]; then
        src=""
        for candidate in "$(target /sys/class/drm)"/card*-"$CONNECTOR"/edid; do
            if [ -s "$candidate" ]; then
                src="$candidate"
                break
            fi
        done
        [ -n "$src" ] || die "no EDID to capture on $CONNECTOR: switch the TV on (and to this input), then retry"
    fi
    [ -f "$src" ] || die "--edid $src: no such file"
    # A valid EDID is whole 128-byte blocks starting with the fixed header 00 FF FF FF FF FF FF 00.
    size="$(stat -c %s "$src")"
    header="$(od -An -N8 -tx1 "$src" | tr -d ' \n')"
    { [ "$size" -ge 128 ] && [ $((size % 128)) -eq 0 ] && [ "$header" = 00ffffffffffff00 ]; } ||
        die "--edid $src is not an EDID (expected 128-byte blocks starting with 00 FF FF FF FF FF FF 00)"
    put_file /usr/lib/firmware/edid/couloir.bin 644 <"$src"
    if [ "$LAST_CHANGED" = 1 ]; then REBOOT_NEEDED=1; fi
}

boot_config() {
    local dir cmdline mode line new extra
    if ! dir="$(boot_dir)"; then
        warn "no cmdline.txt in /boot/firmware or /boot: kernel command line left alone"
        return 0
    fi
    cmdline="$dir/cmdline.txt"
    # The boot partition is FAT: its files have the mode of the mount, keep it.
    mode="$(file_mode "$(target "$cmdline")")"
    line="$(head -n 1 "$(target "$cmdline")")"
    # Keep the line as it was once, so --uninstall-boot can put back what we replaced.
    if [ ! -f "$(target "$cmdline$CMDLINE_MARK")" ]; then
        put_file "$cmdline$CMDLINE_MARK" "$mode" <<<"$line"
    fi
    extra="video=$CONNECTOR:$VIDEO_MODE consoleblank=0 vt.global_cursor_default=0"
    edid_firmware
    if [ -n "$EDID" ] || [ -f "$(target /usr/lib/firmware/edid/couloir.bin)" ]; then
        extra="$extra drm.edid_firmware=$CONNECTOR:edid/couloir.bin"
    fi
    new="$(cmdline_filter keep "$line") $extra"
    put_file "$cmdline" "$mode" <<<"${new# }"
    if [ "$LAST_CHANGED" = 1 ]; then REBOOT_NEEDED=1; fi
    config_txt "$dir/config.txt"
}

# config_body FILE: FILE without the block this script owns.
config_body() {
    awk '/^# >>> couloir/{skip=1} !skip{print} /^# <<< couloir/{skip=0}' "$1"
}

# config.txt: a marked block this script owns; everything outside it stays as it was.
config_txt() {
    local path="$1" file block content
    file="$(target "$path")"
    [ -f "$file" ] || return 0
    block="# >>> couloir (managed by install.sh; --uninstall-boot removes it)
# No rainbow square at power-on: the corridor sees black until the board is up.
disable_splash=1"
    case "$VIDEO_MODE" in 3840x2160@60* | 4096x2160@60*) block="$block
hdmi_enable_4kp60=1" ;; esac
    block="$block
# <<< couloir"
    if ! grep -qE '^[[:space:]]*dtoverlay=vc4-f?kms-v3d' "$file"; then
        warn "$path has no dtoverlay=vc4-kms-v3d: the screen needs the KMS driver (README, Black screen)"
    fi
    content="$(config_body "$file")
$block"
    put_file "$path" "$(file_mode "$file")" <<<"$content"
    if [ "$LAST_CHANGED" = 1 ]; then REBOOT_NEEDED=1; fi
}

uninstall_boot() {
    local dir cmdline original line restored file content
    if ! dir="$(boot_dir)"; then
        log "no cmdline.txt found: nothing to undo"
        return 0
    fi
    cmdline="$dir/cmdline.txt"
    original="$(target "$cmdline$CMDLINE_MARK")"
    if [ -f "$original" ]; then
        line="$(head -n 1 "$(target "$cmdline")")"
        restored="$(head -n 1 "$original")"
        # Someone else changed the line since (e.g. a new root device): keep their changes,
        # put back only our parameters' old values.
        if [ "$(cmdline_filter keep "$line")" != "$(cmdline_filter keep "$restored")" ]; then
            restored="$(cmdline_filter keep "$line") $(cmdline_filter only "$restored")"
            restored="${restored% }"
        fi
        put_file "$cmdline" "$(file_mode "$(target "$cmdline")")" <<<"$restored"
        if [ "$LAST_CHANGED" = 1 ]; then REBOOT_NEEDED=1; fi
        remove_file "$cmdline$CMDLINE_MARK"
    fi
    file="$(target "$dir/config.txt")"
    if [ -f "$file" ] && grep -q '^# >>> couloir' "$file"; then
        content="$(config_body "$file")"
        put_file "$dir/config.txt" "$(file_mode "$file")" <<<"$content"
    fi
    remove_file /usr/lib/firmware/edid/couloir.bin
}

# --- systemd ---------------------------------------------------------------------------------


services() {
    local unit wanted=(couloir-screen-on.service couloir-display.service) changed
    if [ "$ROLE" = all ]; then
        wanted=(couloir-server.service couloir-backup.timer couloir-screen-on.service
            couloir-display.service)
    fi
    changed=" ${UNITS_CHANGED[*]:-} "
    if [ "${#UNITS_CHANGED[@]}" -gt 0 ]; then run systemctl daemon-reload; fi
    if [ "$MANAGER_CHANGED" = 1 ]; then run systemctl daemon-reexec; fi
    if [ "$JOURNALD_CHANGED" = 1 ]; then run systemctl restart systemd-journald.service; fi
    # The screen owns tty1: no login prompt there (Ctrl+Alt+F2 still gives one).
    if ! host_actions || systemctl is-enabled --quiet getty@tty1.service 2>/dev/null; then
        run systemctl disable getty@tty1.service
    fi
    for unit in "${wanted[@]}"; do
        unit_enabled "$unit" || run systemctl enable "$unit"
        # The boot-time TV switch is not run now: the screen program decides from here on.
        [ "$unit" = couloir-screen-on.service ] && continue
        if ! unit_active "$unit"; then
            run systemctl start "$unit"
        elif [[ "$changed" == *" $unit "* ]] ||
            { [ "$ENV_CHANGED" = 1 ] && [ "$unit" != couloir-backup.timer ]; }; then
            run systemctl restart "$unit"
        fi
    done
}

wait_healthy() {
    [ "$ROLE" = all ] && host_actions || return 0
    local url="http://127.0.0.1:$PORT/healthz" deadline=$((SECONDS + 90))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if "$PYTHON" - "$url" <<'PY' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
            log "service healthy: $url"
            return 0
        fi
        sleep 2
    done
    warn "no answer from $url after 90 s: journalctl -u couloir-server -n 50"
}

main() {
    parse_args "$@"
    validate_args
    [ "$DRY_RUN" = 1 ] && log "dry run: nothing will be changed"
    [ -n "$ROOT" ] && log "staging root $ROOT: system commands are printed, not run"
    if [ "$UNINSTALL_BOOT" = 1 ]; then
        uninstall_boot
    else
        packages
        service_user
        directories
        virtualenv
        deploy_files
        env_file
        units
        system_dropins
        https_proxy
        if [ "$BOOT" = 1 ]; then boot_config; fi
        services
        wait_healthy
    fi
    if [ "$CHANGES" -eq 0 ] && [ "$DRY_RUN" = 0 ]; then
        log "Nothing to change: this Pi is already set up."
    elif [ "$DRY_RUN" = 1 ]; then
        log "Dry run finished: nothing was changed."
    else
        log "Done: $CHANGES change(s)."
        [ "$REBOOT_NEEDED" = 1 ] && log "Reboot to apply the kernel command line: sudo reboot"
    fi
    return 0
}

main "$@"
