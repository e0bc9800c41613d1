#!/usr/bin/env bash
# install.sh — turn Raspberry Pi OS Lite (Bookworm or Trixie, 64-bit) into a Couloir kiosk.
#
#   sudo ./install.sh --role all                         # server + SQLite + screen on this Pi
#   sudo ./install.sh --role screen --api http://couloir.example:8000 [--token T]
#
# Safe to run again: every file is compared before it is written, secrets are never
# regenerated, and a run that finds everything in place says "Rien à changer".
# See README.md next to this script for the options and for what each step does.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$HERE/lib/common.sh"
# Pip's configuration files (Raspberry Pi OS's /etc/pip.conf and its extra index) are ignored
# unless --pip-conf: see README, Pinned installs.
PIP_CONF=0

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
VIDEO_MODE=1920x1080M@60D
EDID=""
NTP=""
TIME_WAIT=90s
BACKUP_DIR=/var/backups/couloir
BACKUP_KEEP=14
JOURNAL=""
WATCHDOG=14s
SOURCE=""
PYTHON="${PYTHON:-python3}"
BOOT=1
UNINSTALL_BOOT=0
HTTPS=0
LIST_PACKAGES=0
REBOOT_NEEDED=0
# A stand-in systemctl (tests): with --root, systemctl commands run through it.
SYSTEMCTL="${COULOIR_SYSTEMCTL:-}"
# Seconds to wait for the screen's first frame when no reboot is pending.
DISPLAY_WAIT="${COULOIR_DISPLAY_WAIT:-30}"
# Seconds to wait for the service's /healthz (role all) before the install fails.
HEALTH_WAIT="${COULOIR_HEALTH_WAIT:-90}"
DISPLAY_STATE=""

usage() {
    cat <<'EOF'
Usage : install.sh --role all|screen [options]

Rôles :
  --role all             service + SQLite + écran sur ce Pi (les téléphones le joignent par le réseau)
  --role screen          écran seul ; demande --api (le service tourne ailleurs)

Écran :
  --api URL              service que l'écran lit (rôle all : ce Pi)
  --token JETON          jeton d'écran donné par « couloir screen add » ; sans lui, l'écran
                         affiche un code d'appairage qu'un responsable saisit sur son téléphone
  --rotate 0|90|180|270  téléviseur en portrait ou à l'envers
  --video MODE           mode vidéo du noyau (par défaut 1920x1080M@60D : M la synchronisation
                         standard, D force la sortie)
  --connector NOM        connecteur HDMI (par défaut HDMI-A-1, le port à côté de l'alimentation)
  --edid FICHIER|capture|none
                         EDID utilisé par le noyau quand le téléviseur est éteint au démarrage.
                         Par défaut il est lu sur le téléviseur s'il répond ; « capture » l'exige,
                         « none » cesse d'en utiliser un
  --no-boot              ne touche ni à cmdline.txt ni à config.txt
  --uninstall-boot       défait les modifications de cmdline.txt/config.txt faites par ce script, puis s'arrête

Service (rôle all) :
  --public-url URL       adresse de base des téléphones, mise dans les QR codes
                         (par défaut http://NOM-DU-PI.local:PORT)
  --port N               port HTTP (par défaut 8000)
  --backup-dir DOSSIER   sauvegardes nocturnes (par défaut /var/backups/couloir ; peut être une clé USB)
  --backup-keep N        copies gardées (par défaut 14)
  --https                place Caddy devant, avec sa propre autorité de certification locale (voir README)

Système :
  --journal persistent|volatile   journal sur la carte (limité à 64 Mo) ou en mémoire seulement
                         (par défaut : persistent pour --role all, volatile pour --role screen)
  --ntp HÔTE[,HÔTE...]   serveur(s) de temps de l'agence (par défaut : ceux de la distribution)
  --source DOSSIER|ROUE  ce qu'il faut installer (par défaut : le dépôt qui contient ce script)
  --python PY            interpréteur de l'environnement virtuel (par défaut python3)
  --root DOSSIER         écrit tout sous DOSSIER, ne lance aucune commande système (préparation, tests)
  --systemctl CMD        avec --root : passe les commandes systemctl à CMD (tests)

Paquets Python (voir README, Installations épinglées) :
  --constraints FICHIER  versions exactes à installer (par défaut : deploy/constraints.txt du
                         dépôt, ou constraints.txt à côté de la roue)
  --unpinned             installe sans versions épinglées (déconseillé)
  --wheelhouse DOSSIER   hors ligne : installe seulement depuis les roues de DOSSIER (sans index)
  --pip-conf             utilise la configuration pip du système (/etc/pip.conf : index supplémentaires)
  --proxy URL            proxy HTTP(S) pour apt et pip (par défaut : http_proxy/https_proxy)
  --dry-run              affiche chaque action, ne change rien
  --list-packages        affiche les paquets Debian qu'installerait --role (et --https), un par
                         ligne, puis s'arrête sans rien changer
  -h, --help             cette aide
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
            --ntp) need_value "$@" && NTP="$2" && shift ;;
            --source) need_value "$@" && SOURCE="$2" && shift ;;
            --python) need_value "$@" && PYTHON="$2" && shift ;;
            --root) need_value "$@" && ROOT="$2" && shift ;;
            --systemctl) need_value "$@" && SYSTEMCTL="$2" && shift ;;
            --constraints) need_value "$@" && CONSTRAINTS="$2" && shift ;;
            --wheelhouse) need_value "$@" && WHEELHOUSE="$2" && shift ;;
            --proxy) need_value "$@" && PROXY="$2" && shift ;;
            --unpinned) UNPINNED=1 ;;
            --pip-conf) PIP_CONF=1 ;;
            --https) HTTPS=1 ;;
            --no-boot) BOOT=0 ;;
            --uninstall-boot) UNINSTALL_BOOT=1 ;;
            --dry-run) DRY_RUN=1 ;;
            --list-packages) LIST_PACKAGES=1 ;;
            -h | --help) usage && exit 0 ;;
            *) die "option inconnue « $1 » (voir --help)" ;;
        esac
        shift
    done
}

validate_args() {
    if [ -n "$ROOT" ]; then
        [ -d "$ROOT" ] || die "--root $ROOT : dossier introuvable"
        ROOT="$(cd "$ROOT" && pwd)"
    fi
    [ "$UNINSTALL_BOOT" = 1 ] && return 0
    case "$ROLE" in
        all | screen) ;;
        "") die "indiquez le rôle de ce Pi : --role all ou --role screen" ;;
        *) die "--role doit valoir all ou screen, pas « $ROLE »" ;;
    esac
    if [ "$ROLE" = screen ] && [ -z "$API_URL" ] && [ ! -f "$(target "$ENV_FILE")" ]; then
        die "--role screen demande --api URL (l'adresse du service Couloir)"
    fi
    case "$API_URL" in "" | http://?* | https://?*) ;; *) die "--api doit commencer par http:// ou https://" ;; esac
    case "$PUBLIC_URL" in "" | http://?* | https://?*) ;; *) die "--public-url doit commencer par http:// ou https://" ;; esac
    case "$PORT" in '' | *[!0-9]*) die "--port doit être un nombre" ;; esac
    if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then die "--port doit être compris entre 1 et 65535"; fi
    case "$ROTATE" in "" | 0 | 90 | 180 | 270) ;; *) die "--rotate doit valoir 0, 90, 180 ou 270" ;; esac
    case "$BACKUP_KEEP" in '' | *[!0-9]* | 0) die "--backup-keep doit être un nombre supérieur à 0" ;; esac
    case "$JOURNAL" in "" | persistent | volatile) ;; *) die "--journal doit valoir persistent ou volatile" ;; esac
    [[ "$NTP" =~ ^[A-Za-z0-9.:,-]*$ ]] || die "--ntp attend un ou plusieurs noms de serveurs séparés par des virgules, pas « $NTP »"
    [[ "$VIDEO_MODE" =~ ^[0-9]+x[0-9]+(M?R?)?(@[0-9]+)?(i|m|e|d|D)?$ ]] ||
        die "--video doit ressembler à 1920x1080M@60D, pas « $VIDEO_MODE »"
    [[ "$CONNECTOR" =~ ^[A-Za-z]+-[A-Za-z]-?[0-9]+$ ]] || die "--connector doit ressembler à HDMI-A-1"
    case "$BACKUP_DIR" in /*) ;; *) die "--backup-dir doit être un chemin absolu" ;; esac
    [ "$HTTPS" = 0 ] || [ "$ROLE" = all ] || die "--https n'a de sens qu'avec --role all"
    if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
        if _proxy_set; then
            warn "sudo efface les variables de proxy ; pour les garder : sudo --preserve-env=$(
                IFS=,
                printf '%s' "${PROXY_VARS[*]}"
            ) $0 ..."
        fi
        die "lancez ce script en root (sudo $0 ...), ou avec --dry-run pour voir ce qu'il ferait"
    fi
    [ -z "$SYSTEMCTL" ] || [ -n "$ROOT" ] || die "--systemctl ne va qu'avec --root (tests)"
    pip_validate
    if [ -z "$SOURCE" ]; then
        SOURCE="$(cd "$HERE/../.." && pwd)"
    fi
    [ -e "$SOURCE" ] || die "--source $SOURCE : fichier ou dossier introuvable"
    SOURCE="$(cd "$(dirname "$SOURCE")" && pwd)/$(basename "$SOURCE")"
    # Pins are needed only when a virtualenv is made (a Pi already installed keeps its own).
    if [ ! -e "$(target "$PREFIX/current")" ]; then find_constraints "$SOURCE"; fi
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

# wanted_packages: the Debian packages this Pi needs, one a line (for --role and --https; a Pi
# listed with --list-packages is taken as fresh: no other time daemon).
wanted_packages() {
    # SDL's KMSDRM driver loads EGL/GLES/GBM/DRM at run time; v4l-utils brings cec-ctl;
    # tzdata: the agency's time zone (zoneinfo), absent from a minimal Debian.
    local wanted=(python3-venv python3-pip ca-certificates libegl1 libgles2 libgbm1 libdrm2
        libegl-mesa0 libgl1-mesa-dri v4l-utils fonts-dejavu-core tzdata)
    if [ "$ROLE" = all ]; then wanted+=(sqlite3); fi
    if [ "$HTTPS" = 1 ]; then wanted+=(caddy); fi
    # A Pi 4 has no clock battery: fake-hwclock restarts it from the last known time, and
    # timesyncd sets it from the network (unless another time daemon does).
    wanted+=(fake-hwclock)
    if [ "$LIST_PACKAGES" = 1 ] || ! other_time_daemon; then wanted+=(systemd-timesyncd); fi
    printf '%s\n' "${wanted[@]}"
}

packages() {
    local wanted
    mapfile -t wanted < <(wanted_packages)
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
            warn "le dossier de sauvegarde $BACKUP_DIR n'existe pas encore : montez la clé USB et créez-le (README, Sauvegardes)"
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
            log "remarque : Couloir $running est installé, $SOURCE contient $version : $PREFIX/deploy/update.sh --source $SOURCE fait le changement sans risque"
        fi
        return 0
    fi
    [ -n "$version" ] || die "impossible de lire la version de $SOURCE"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    venv="$PREFIX/venvs/$version-$stamp"
    if [ "$DRY_RUN" = 1 ]; then
        log "créerait l'environnement virtuel $venv et y installerait $SOURCE"
        pip_summary
        log "ferait pointer $PREFIX/current dessus"
        return 0
    fi
    log "création de l'environnement virtuel $venv (Couloir $version ; quelques minutes sur un Pi)"
    pip_summary
    make_venv "$(target "$venv")" "$SOURCE" || {
        rm -rf "$(target "$venv")"
        die "l'installation de $SOURCE dans $venv a échoué (voir les messages de pip ci-dessus)"
    }
    # Relative link: the same tree works in a staging root and on the Pi.
    ln -sfn "venvs/$version-$stamp" "$current"
    log "lien $PREFIX/current -> venvs/$version-$stamp"
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
        die "ce Pi a été installé avec --role $(env_get "$file" COULOIR_ROLE) ; pour changer son rôle, déplacez d'abord $ENV_FILE ailleurs (il contient les secrets)"
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
        USER="$SERVICE_USER" TTY="$TTY" BACKUP_DIR="$BACKUP_DIR" KEEP="$BACKUP_KEEP"
        CONNECTOR="$CONNECTOR")
    local unit content
    local wanted=(couloir-display.service couloir-screen-on.service couloir-screen-reassert.service
        couloir-fleet-update.service)
    [ "$ROLE" = all ] && wanted+=(couloir-server.service couloir-backup.service)
    for unit in "${wanted[@]}"; do
        content="$(render_template "$HERE/systemd/$unit.in" "${vars[@]}")"
        put_file "$UNIT_DIR/$unit" 644 <<<"$content"
        if [ "$LAST_CHANGED" = 1 ]; then UNITS_CHANGED+=("$unit"); fi
    done
    local timers=(couloir-screen-reassert.timer couloir-fleet-update.timer)
    [ "$ROLE" = all ] && timers+=(couloir-backup.timer)
    for unit in "${timers[@]}"; do
        copy_file "$HERE/systemd/$unit" "$UNIT_DIR/$unit" 644
        if [ "$LAST_CHANGED" = 1 ]; then UNITS_CHANGED+=("$unit"); fi
    done
    return 0
}

JOURNALD_CHANGED=0 MANAGER_CHANGED=0 ENV_CHANGED=0
system_dropins() {
    local content
    # A screen-only Pi holds nothing worth keeping: its journal lives in RAM.
    if [ -z "$JOURNAL" ] && [ "$ROLE" = screen ]; then JOURNAL=volatile; fi
    JOURNAL="${JOURNAL:-persistent}"
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

# --- Clock and screen system files (timesyncd, time-wait-sync, PAM, udev, Wi-Fi) ---------------

# other_time_daemon: true when chrony, ntpsec or openntpd keeps the time on this Pi (installing
# systemd-timesyncd would remove it).
other_time_daemon() {
    host_actions || return 1
    local pkg
    for pkg in chrony ntpsec ntp openntpd; do
        if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
            return 0
        fi
    done
    return 1
}

# clock_sync: the agency's NTP server (--ntp) for timesyncd, and units ordered after
# time-sync.target really waiting for the network time, for TIME_WAIT at most.
clock_sync() {
    local content unit
    if [ -n "$NTP" ]; then
        content="$(render_template "$HERE/conf/timesyncd-couloir.conf" NTP="${NTP//,/ }")"
        put_file /etc/systemd/timesyncd.conf.d/couloir.conf 644 <<<"$content"
        if [ "$LAST_CHANGED" = 1 ]; then run systemctl try-restart systemd-timesyncd.service; fi
    fi
    content="$(render_template "$HERE/conf/time-wait-sync.conf" WAIT="$TIME_WAIT")"
    put_file "$UNIT_DIR/systemd-time-wait-sync.service.d/couloir.conf" 644 <<<"$content"
    if [ "$LAST_CHANGED" = 1 ]; then UNITS_CHANGED+=(systemd-time-wait-sync.service); fi
    # Enabled for the next boot only: started now, it could hold this install for 90 s.
    unit=systemd-time-wait-sync.service
    if host_actions && [ ! -e "/usr/lib/systemd/system/$unit" ] && [ ! -e "/lib/systemd/system/$unit" ]; then
        warn "$unit absent : l'écran n'attendra pas l'heure du réseau au démarrage"
    elif ! unit_enabled "$unit"; then
        run systemctl enable "$unit"
    fi
}

# screen_files: the screen session's PAM stack, the udev rule of the CEC adapters, and no
# Wi-Fi power saving.
screen_files() {
    copy_file "$HERE/conf/pam-couloir-display" /etc/pam.d/couloir-display 644
    copy_file "$HERE/conf/99-couloir-cec.rules" /etc/udev/rules.d/99-couloir-cec.rules 644
    if [ "$LAST_CHANGED" = 1 ]; then
        run udevadm control --reload || warn "udevadm control --reload a échoué : la règle CEC s'appliquera au prochain démarrage"
        run udevadm trigger --subsystem-match=cec --action=change || true
    fi
    # Applies to the next Wi-Fi connection (at the latest, the reboot).
    copy_file "$HERE/conf/networkmanager-wifi.conf" /etc/NetworkManager/conf.d/couloir-wifi.conf 644
}

https_proxy() {
    [ "$HTTPS" = 1 ] || return 0
    local host content
    host="$(hostname_of_target)"
    content="$(render_template "$HERE/conf/Caddyfile.in" HOST="$host.local" PORT="$PORT")"
    put_file /etc/caddy/Caddyfile 644 <<<"$content"
    if [ "$LAST_CHANGED" = 1 ]; then systemctl_run reload-or-restart caddy.service; fi
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

EDID_DIR=/usr/lib/firmware/edid
EDID_IN_USE=""

# edid_valid FILE: whole 128-byte blocks starting with the fixed header 00 FF FF FF FF FF FF 00.
edid_valid() {
    local size header
    size="$(stat -c %s "$1")"
    header="$(od -An -N8 -tx1 "$1" | tr -d ' \n')"
    [ "$size" -ge 128 ] && [ $((size % 128)) -eq 0 ] && [ "$header" = 00ffffffffffff00 ]
}

# edid_model FILE: the TV model an EDID describes, as MAKER-PRODUCT (e.g. SAM-7078): the
# three-letter maker id and the product code. Files are kept per model under EDID_DIR.
edid_model() {
    local bytes=() maker shift code letters="" alphabet=ABCDEFGHIJKLMNOPQRSTUVWXYZ
    read -r -a bytes < <(od -An -j8 -N4 -tu1 "$1")
    maker=$(((bytes[0] << 8) | bytes[1]))
    for shift in 10 5 0; do
        code=$(((maker >> shift) & 31))
        if [ "$code" -ge 1 ] && [ "$code" -le 26 ]; then
            letters="$letters${alphabet:code-1:1}"
        else
            letters="${letters}X"
        fi
    done
    printf '%s-%04X\n' "$letters" $((bytes[2] | (bytes[3] << 8)))
}

# current_edid LINE: the EDID file (relative to the firmware folder) LINE gives our connector,
# when that file is still there.
current_edid() {
    local word file words=()
    read -ra words <<<"$1"
    for word in "${words[@]}"; do
        case "$word" in
            "drm.edid_firmware=$CONNECTOR:"*)
                file="${word#"drm.edid_firmware=$CONNECTOR:"}"
                if [ -f "$(target "/usr/lib/firmware/$file")" ]; then printf '%s\n' "$file"; fi
                ;;
        esac
    done
}

# edid_firmware: set EDID_IN_USE to the EDID the kernel gets when the TV is off at boot.
# Without --edid, the TV's own EDID is kept when a TV answers now; otherwise the one already
# in use stays.
edid_firmware() {
    local src="" candidate model
    case "$EDID" in
        none)
            EDID_IN_USE=""
            return 0
            ;;
        "" | capture)
            for candidate in "$(target /sys/class/drm)"/card*-"$CONNECTOR"/edid; do
                if [ -s "$candidate" ]; then
                    src="$candidate"
                    break
                fi
            done
            if [ -z "$src" ]; then
                [ "$EDID" = capture ] &&
                    die "aucun EDID à lire sur $CONNECTOR : allumez le téléviseur (sur l'entrée du Pi), puis relancez"
                return 0
            fi
            ;;
        *) src="$EDID" ;;
    esac
    [ -f "$src" ] || die "--edid $src : fichier introuvable"
    if ! edid_valid "$src"; then
        [ -n "$EDID" ] ||
            { warn "l'EDID lu sur $CONNECTOR n'est pas valide : il n'est pas gardé" && return 0; }
        die "--edid $src n'est pas un EDID (attendu : des blocs de 128 octets commençant par 00 FF FF FF FF FF FF 00)"
    fi
    model="$(edid_model "$src")"
    put_file "$EDID_DIR/couloir-$model.bin" 644 <"$src"
    if [ "$LAST_CHANGED" = 1 ]; then log "EDID du téléviseur $model gardé dans $EDID_DIR/couloir-$model.bin"; fi
    EDID_IN_USE="edid/couloir-$model.bin"
}

boot_config() {
    local dir cmdline mode line new extra
    if ! dir="$(boot_dir)"; then
        warn "pas de cmdline.txt dans /boot/firmware ni /boot : ligne de commande du noyau laissée telle quelle"
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
    EDID_IN_USE="$(current_edid "$line")"
    edid_firmware
    if [ -n "$EDID_IN_USE" ]; then extra="$extra drm.edid_firmware=$CONNECTOR:$EDID_IN_USE"; fi
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
    # [all]: a section left open above (e.g. [pi4]) must not swallow our lines.
    block="# >>> couloir (managed by install.sh; --uninstall-boot removes it)
[all]
# No rainbow square at power-on: the corridor sees black until the board is up.
disable_splash=1"
    case "$VIDEO_MODE" in 3840x2160@60* | 4096x2160@60*) block="$block
hdmi_enable_4kp60=1" ;; esac
    block="$block
# <<< couloir"
    if ! grep -qE '^[[:space:]]*dtoverlay=vc4-f?kms-v3d' "$file"; then
        warn "$path n'a pas de dtoverlay=vc4-kms-v3d : l'écran a besoin du pilote KMS (README, Écran noir)"
    fi
    content="$(config_body "$file")
$block"
    put_file "$path" "$(file_mode "$file")" <<<"$content"
    if [ "$LAST_CHANGED" = 1 ]; then REBOOT_NEEDED=1; fi
}

uninstall_boot() {
    local dir cmdline original line restored file content
    if ! dir="$(boot_dir)"; then
        log "pas de cmdline.txt : rien à défaire"
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
    local edid
    for edid in "$(target "$EDID_DIR")"/couloir*.bin; do
        if [ -e "$edid" ]; then remove_file "${edid#"$ROOT"}"; fi
    done
}

# --- systemd ---------------------------------------------------------------------------------


# systemctl_run ARGS...: a systemctl command on the host; with --root, through --systemctl
# when given (tests), else only printed.
systemctl_run() {
    if [ -n "$SYSTEMCTL" ] && [ "$DRY_RUN" = 0 ]; then
        log "exécute : systemctl $*"
        "$SYSTEMCTL" "$@" || return
        CHANGES=$((CHANGES + 1))
    else
        run systemctl "$@"
    fi
}

services() {
    local unit wanted=(couloir-screen-on.service couloir-screen-reassert.timer
        couloir-fleet-update.timer couloir-display.service) changed action
    if [ "$ROLE" = all ]; then
        wanted=(couloir-server.service couloir-backup.timer couloir-screen-on.service
            couloir-screen-reassert.timer couloir-fleet-update.timer couloir-display.service)
    fi
    changed=" ${UNITS_CHANGED[*]:-} "
    if [ "${#UNITS_CHANGED[@]}" -gt 0 ]; then systemctl_run daemon-reload; fi
    if [ "$MANAGER_CHANGED" = 1 ]; then systemctl_run daemon-reexec; fi
    if [ "$JOURNALD_CHANGED" = 1 ]; then systemctl_run restart systemd-journald.service; fi
    # The screen owns tty1: no login prompt there (Ctrl+Alt+F2 still gives one).
    if ! host_actions || systemctl is-enabled --quiet getty@tty1.service 2>/dev/null; then
        systemctl_run disable getty@tty1.service
    fi
    for unit in "${wanted[@]}"; do
        unit_enabled "$unit" || systemctl_run enable "$unit"
        # The boot-time TV switch is not run now: the screen program decides from here on.
        [ "$unit" = couloir-screen-on.service ] && continue
        action=""
        if ! unit_active "$unit"; then
            action=start
        elif [[ "$changed" == *" $unit "* ]] ||
            { [ "$ENV_CHANGED" = 1 ] && [[ "$unit" != *.timer ]]; }; then
            action=restart
        fi
        [ -n "$action" ] || continue
        if [ "$unit" = couloir-display.service ]; then
            display_start "$action"
        else
            systemctl_run "$action" "$unit" ||
                die "$unit n'a pas démarré : journalctl -u ${unit%.service} -n 50"
        fi
    done
}

# display_start start|restart: start the screen without waiting on it. With no TV attached, or
# before the reboot that applies the kernel's video mode, it cannot open the screen: systemd
# retries every 5 s, and the install goes on (DISPLAY_STATE says what the end message tells).
display_start() {
    local deadline
    if ! systemctl_run "$1" --no-block couloir-display.service; then
        DISPLAY_STATE=waiting
        return 0
    fi
    if [ "$REBOOT_NEEDED" = 1 ]; then
        DISPLAY_STATE=reboot
        return 0
    fi
    # Staging without a stand-in systemctl: nothing was started.
    if [ -z "$SYSTEMCTL" ] && ! host_actions; then return 0; fi
    deadline=$((SECONDS + DISPLAY_WAIT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if unit_active couloir-display.service; then
            DISPLAY_STATE=up
            return 0
        fi
        sleep 1
    done
    DISPLAY_STATE=waiting
}

# display_message: what the end of the install says about the screen (in French, for the
# person at the Pi).
display_message() {
    case "$DISPLAY_STATE" in
        up) log "L'écran est affiché sur le téléviseur." ;;
        waiting)
            if [ "$REBOOT_NEEDED" = 1 ]; then
                log "L'écran n'a pas pu s'afficher avant le redémarrage (téléviseur absent ou éteint ?) : c'est normal, il démarrera après le redémarrage."
            else
                log "L'écran n'a pas encore pu s'afficher (téléviseur absent ou éteint ?) : il réessaie toutes les 5 secondes et démarrera dès que le téléviseur répondra, ou après un redémarrage. Suivi : journalctl -u couloir-display -b"
            fi
            ;;
        reboot) log "L'écran démarrera après le redémarrage." ;;
        *) ;;
    esac
    if [ "$REBOOT_NEEDED" = 1 ]; then
        log "Redémarrez le Pi pour terminer l'installation : sudo reboot"
    fi
    return 0
}

# wait_healthy: the service (role all) must answer /healthz within HEALTH_WAIT seconds, or the
# install fails: a Pi whose service never came up is not installed. Checked on the host, and in
# a staging root when a stand-in systemctl started the units (tests).
wait_healthy() {
    [ "$ROLE" = all ] || return 0
    if ! host_actions && { [ -z "$SYSTEMCTL" ] || [ "$DRY_RUN" = 1 ]; }; then return 0; fi
    local url="http://127.0.0.1:$PORT/healthz" deadline=$((SECONDS + HEALTH_WAIT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if "$PYTHON" - "$url" <<'PY' 2>/dev/null; then
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=3) as r:
    sys.exit(0 if r.status == 200 else 1)
PY
            log "service en bonne santé : $url"
            return 0
        fi
        sleep 2
    done
    die "le service Couloir ne répond pas sur $url après $HEALTH_WAIT s : l'installation n'est PAS terminée. Cause : journalctl -u couloir-server -n 50 ; une fois corrigé, relancez install.sh (il ne refait que ce qui manque)."
}

main() {
    parse_args "$@"
    if [ "$LIST_PACKAGES" = 1 ]; then
        case "$ROLE" in all | screen) ;; *) die "--list-packages demande --role all ou --role screen" ;; esac
        wanted_packages
        return 0
    fi
    validate_args
    [ "$DRY_RUN" = 1 ] && log "essai à blanc : rien ne sera modifié"
    [ -n "$ROOT" ] && log "racine de préparation $ROOT : les commandes système sont affichées, pas exécutées"
    proxy_setup
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
        clock_sync
        screen_files
        https_proxy
        if [ "$BOOT" = 1 ]; then boot_config; fi
        services
        wait_healthy
    fi
    if [ "$CHANGES" -eq 0 ] && [ "$DRY_RUN" = 0 ]; then
        log "Rien à changer : ce Pi est déjà installé."
    elif [ "$DRY_RUN" = 1 ]; then
        log "Essai à blanc terminé : rien n'a été modifié."
    else
        log "Terminé : $CHANGES modification(s)."
        # The install's own reboot hint comes with display_message; --uninstall-boot has none.
        if [ "$REBOOT_NEEDED" = 1 ] && [ "$UNINSTALL_BOOT" = 1 ]; then
            log "Redémarrez pour appliquer la ligne de commande du noyau : sudo reboot"
        fi
    fi
    [ "$UNINSTALL_BOOT" = 1 ] || [ "$DRY_RUN" = 1 ] || display_message
    return 0
}

main "$@"
