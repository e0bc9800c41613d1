#!/usr/bin/env bash
# update.sh — install a new Couloir version next to the running one, switch to it, and go
# back to the previous one if it does not come up healthy.
#
#   sudo /opt/couloir/deploy/update.sh --source couloir-0.2.0-py3-none-any.whl
#   sudo /opt/couloir/deploy/update.sh --source ~/couloir          # a checkout
#
# Steps (role "all"): new virtualenv /opt/couloir/venvs/<version>-<time>; stop the service;
# back up the database; run the migrations with the new version; point /opt/couloir/current
# at the new venv; start; wait for /healthz to answer 200 with the new version. If any step
# after the stop fails: stop, put the database backup back, point current at the old venv,
# start, check /healthz again. Role "screen": the display service must start (it reports
# READY to systemd once it draws), otherwise the old venv comes back.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$HERE/lib/common.sh"
# Pip's configuration files (Raspberry Pi OS's /etc/pip.conf and its extra index) are ignored
# unless --pip-conf: see README, Pinned installs.
PIP_CONF=0

PREFIX=/opt/couloir
ENV_FILE=/etc/couloir/couloir.env
SERVICE_USER=couloir
SOURCE=""
FORCE=0
TIMEOUT=60
KEEP_VENVS=3
SYSTEMCTL="${COULOIR_SYSTEMCTL:-systemctl}"
PYTHON="${PYTHON:-python3}"

usage() {
    cat <<'EOF'
Usage : update.sh --source ROUE|DOSSIER [options]

  --source ROUE|DOSSIER  la nouvelle version : une roue couloir-*.whl ou un dépôt source
  --force                réinstalle même quand cette version tourne déjà
  --timeout S            secondes d'attente pour que la nouvelle version soit en bonne santé
                         (par défaut 60)
  --keep N               environnements virtuels gardés, celui en service compris (par défaut 3)
  --python PY            interpréteur du nouvel environnement virtuel (par défaut python3)
  --systemctl CMD        commande qui arrête et démarre les unités (par défaut systemctl)
  --root DOSSIER         travaille sur une racine de préparation (tests)
  --constraints FICHIER  versions exactes à installer (par défaut : deploy/constraints.txt du
                         dépôt, ou constraints.txt à côté de la roue)
  --unpinned             installe sans versions épinglées (déconseillé)
  --wheelhouse DOSSIER   hors ligne : installe seulement depuis les roues de DOSSIER (sans index)
  --pip-conf             utilise la configuration pip du système (/etc/pip.conf : index supplémentaires)
  --proxy URL            proxy HTTP(S) pour pip (par défaut : http_proxy/https_proxy)
  -h, --help             cette aide
Code de sortie : 0 mis à jour (ou rien à faire), 1 échec avant le changement (l'ancienne
version tourne toujours), 2 échec après le changement, retour en arrière fait (l'ancienne
version tourne de nouveau), 3 l'ancienne version n'est pas revenue en bonne santé non plus.
EOF
}

parse_args() {
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --source) SOURCE="${2:?--source demande une valeur}" && shift ;;
            --force) FORCE=1 ;;
            --timeout) TIMEOUT="${2:?--timeout demande une valeur}" && shift ;;
            --keep) KEEP_VENVS="${2:?--keep demande une valeur}" && shift ;;
            --python) PYTHON="${2:?--python demande une valeur}" && shift ;;
            --systemctl) SYSTEMCTL="${2:?--systemctl demande une valeur}" && shift ;;
            --root) ROOT="${2:?--root demande une valeur}" && shift ;;
            --constraints) CONSTRAINTS="${2:?--constraints demande une valeur}" && shift ;;
            --wheelhouse) WHEELHOUSE="${2:?--wheelhouse demande une valeur}" && shift ;;
            --proxy) PROXY="${2:?--proxy demande une valeur}" && shift ;;
            --unpinned) UNPINNED=1 ;;
            --pip-conf) PIP_CONF=1 ;;
            -h | --help) usage && exit 0 ;;
            *) die "option inconnue « $1 » (voir --help)" ;;
        esac
        shift
    done
    [ -n "$SOURCE" ] || die "indiquez quoi installer : --source couloir-X.Y.Z-py3-none-any.whl ou un dépôt"
    [ -e "$SOURCE" ] || die "--source $SOURCE : fichier ou dossier introuvable"
    SOURCE="$(cd "$(dirname "$SOURCE")" && pwd)/$(basename "$SOURCE")"
    case "$TIMEOUT" in '' | *[!0-9]* | 0) die "--timeout doit être un nombre de secondes" ;; esac
    case "$KEEP_VENVS" in '' | *[!0-9]* | 0 | 1) die "--keep doit valoir 2 ou plus" ;; esac
    pip_validate
    if [ -n "$ROOT" ]; then
        [ -d "$ROOT" ] || die "--root $ROOT : dossier introuvable"
        ROOT="$(cd "$ROOT" && pwd)"
    elif [ "$(id -u)" -ne 0 ]; then
        die "lancez ce script en root : sudo $0 ..."
    fi
}

# as_service CMD...: run CMD as the service user with the service's settings, so the
# database files it creates belong to that user.
as_service() {
    if [ -z "$ROOT" ] && [ "$(id -u)" -eq 0 ]; then
        runuser -u "$SERVICE_USER" -- "$@"
    else
        "$@"
    fi
}

sysctl() {
    log "systemctl $*"
    "$SYSTEMCTL" "$@"
}

# venv_version VENV: the couloir version installed in VENV.
venv_version() {
    "$1/bin/python" -c 'from importlib.metadata import version; print(version("couloir"))' 2>/dev/null
}

# health_version URL: the "version" /healthz reports when it answers 200, else nothing.
health_version() {
    "$PYTHON" - "$1" <<'PY' 2>/dev/null || true
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=3) as response:
        if response.status == 200:
            print(json.load(response).get("version", ""))
except Exception:
    pass
PY
}

# wait_healthy VERSION: true once /healthz answers 200 with VERSION, within TIMEOUT seconds.
# Gives up early when systemd says the service is dead (failed, or stopped for good).
wait_healthy() {
    local want="$1" got="" state deadline=$((SECONDS + TIMEOUT))
    while [ "$SECONDS" -lt "$deadline" ]; do
        got="$(health_version "$HEALTH_URL")"
        if [ "$got" = "$want" ]; then
            log "en bonne santé : $HEALTH_URL répond 200 avec la version $want"
            return 0
        fi
        state="$("$SYSTEMCTL" is-active couloir-server.service 2>/dev/null || true)"
        if [ "$state" = failed ] || [ "$state" = inactive ]; then
            warn "couloir-server est à l'état $state : journalctl -u couloir-server -n 50"
            return 1
        fi
        sleep 1
    done
    warn "$HEALTH_URL n'a pas répondu 200 avec la version $want en ${TIMEOUT} s (dernière version vue : ${got:-aucune})"
    return 1
}

# point_current VENV_NAME: switch /opt/couloir/current atomically (rename over the link).
point_current() {
    local link
    link="$(target "$PREFIX/current")"
    ln -sfn "venvs/$1" "$link.new"
    mv -T "$link.new" "$link"
    log "current -> venvs/$1"
}

# database_file: the SQLite file of the service, or nothing for PostgreSQL.
database_file() {
    local url data
    url="$(env_get "$ENV_FILE_PATH" COULOIR_DATABASE_URL)"
    data="$(env_get "$ENV_FILE_PATH" COULOIR_DATA_DIR)"
    case "$url" in
        "") printf '%s\n' "${data:-/var/lib/couloir}/couloir.db" ;;
        sqlite:///*) printf '%s\n' "${url#sqlite:///}" ;;
        *) ;;
    esac
}

rollback() {
    local reason="$1"
    warn "$reason : retour à Couloir $OLD_VERSION"
    if [ "$ROLE" = all ]; then
        sysctl stop couloir-server.service || true
        # The new version may have migrated the database: put back the copy taken before.
        if [ -n "$BACKUP_FILE" ] && [ -f "$BACKUP_FILE" ] && [ -n "$DB_FILE" ]; then
            rm -f "$DB_FILE-wal" "$DB_FILE-shm"
            cp -p "$BACKUP_FILE" "$DB_FILE"
            log "base de données restaurée depuis $BACKUP_FILE"
        fi
    fi
    point_current "$OLD_NAME"
    rm -rf "$(target "$PREFIX/venvs/$NEW_NAME")"
    if [ "$ROLE" = all ]; then
        sysctl start couloir-server.service || true
        if ! wait_healthy "$OLD_VERSION"; then
            warn "Couloir $OLD_VERSION n'est pas en bonne santé non plus : journalctl -u couloir-server -n 100"
            exit 3
        fi
        restart_display_if_enabled
    elif ! sysctl restart couloir-display.service; then
        warn "l'écran ne démarre pas non plus avec $OLD_VERSION : journalctl -u couloir-display -n 100"
        exit 3
    fi
    log "Retour en arrière : Couloir $OLD_VERSION tourne de nouveau ; la mise à jour vers $NEW_VERSION a échoué."
    exit 2
}

restart_display_if_enabled() {
    if "$SYSTEMCTL" is-enabled --quiet couloir-display.service 2>/dev/null; then
        sysctl restart couloir-display.service ||
            warn "couloir-display n'a pas démarré (téléviseur éteint ?) : journalctl -u couloir-display -n 50"
    fi
    return 0
}

# prune: keep the newest KEEP_VENVS virtualenvs (the running one always stays) and the
# newest 5 pre-update database copies.
prune() {
    local dir name
    dir="$(target "$PREFIX/venvs")"
    while IFS= read -r name; do
        [ "$name" = "$NEW_NAME" ] && continue
        rm -rf "${dir:?}/$name"
        log "ancien environnement virtuel $name supprimé"
    done < <(find "$dir" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %f\n' | sort -rn |
        tail -n +"$((KEEP_VENVS + 1))" | cut -d' ' -f2-)
    if [ -n "$BACKUP_FILE" ]; then
        find "$(dirname "$BACKUP_FILE")" -maxdepth 1 -name 'couloir-before-*.db' -printf '%T@ %p\n' |
            sort -rn | tail -n +6 | cut -d' ' -f2- | while IFS= read -r name; do rm -f "$name"; done
    fi
}

# refresh_deploy: the new release's scripts, unit templates and README replace those of
# PREFIX/deploy (a checkout's deploy/raspberrypi, or the copy a wheel installs in the venv's
# share/couloir), so that the next update, the fleet timer and install.sh run the new ones.
refresh_deploy() {
    local from file rel mode units=0
    from="$SOURCE/deploy/raspberrypi"
    [ -d "$from" ] || from="$(target "$PREFIX/venvs/$NEW_NAME")/share/couloir/deploy/raspberrypi"
    if [ ! -f "$from/update.sh" ]; then
        warn "cette version n'apporte pas ses scripts d'installation : $PREFIX/deploy reste tel quel"
        return 0
    fi
    while IFS= read -r file; do
        rel="${file#"$from"/}"
        mode=644
        [ -x "$file" ] && mode=755
        copy_file "$file" "$PREFIX/deploy/$rel" "$mode"
        if [ "$LAST_CHANGED" = 1 ] && [[ "$rel" == systemd/* ]]; then units=1; fi
    done < <(find "$from" -type f ! -name '*.pyc' ! -path '*/__pycache__/*' | sort)
    if [ "$units" = 1 ]; then
        log "Les modèles d'unités systemd ont changé : sudo $PREFIX/deploy/install.sh --role $ROLE --source $SOURCE les installe (il ne change que ce qui diffère)."
    fi
    return 0
}

main() {
    parse_args "$@"
    ENV_FILE_PATH="$(target "$ENV_FILE")"
    [ -f "$ENV_FILE_PATH" ] || die "$ENV_FILE introuvable : lancez d'abord install.sh"
    ROLE="$(env_get "$ENV_FILE_PATH" COULOIR_ROLE)"
    ROLE="${ROLE:-all}"

    # One update at a time.
    exec 9>"$(target "$PREFIX")/.update.lock"
    flock -n 9 || die "une autre mise à jour est en cours"

    local current_link
    current_link="$(readlink "$(target "$PREFIX/current")")" || die "$PREFIX/current absent : lancez d'abord install.sh"
    OLD_NAME="${current_link#venvs/}"
    OLD_VERSION="$(venv_version "$(target "$PREFIX/current")")" || die "impossible de lire la version en service"
    NEW_VERSION="$(version_of "$SOURCE")"
    [ -n "$NEW_VERSION" ] || die "impossible de lire la version de $SOURCE"
    if [ "$NEW_VERSION" = "$OLD_VERSION" ] && [ "$FORCE" = 0 ]; then
        log "Couloir $OLD_VERSION tourne déjà : rien à faire (--force la réinstalle)."
        exit 0
    fi
    find_constraints "$SOURCE"
    NEW_NAME="$NEW_VERSION-$(date -u +%Y%m%dT%H%M%SZ)"
    local new_venv
    new_venv="$(target "$PREFIX/venvs/$NEW_NAME")"
    BACKUP_FILE="" DB_FILE=""

    log "installation de Couloir $NEW_VERSION dans $PREFIX/venvs/$NEW_NAME (en service : $OLD_VERSION)"
    proxy_setup
    pip_summary
    if ! make_venv "$new_venv" "$SOURCE" || ! "$new_venv/bin/couloir" --help >/dev/null; then
        rm -rf "$new_venv"
        die "l'installation de $NEW_VERSION a échoué ; rien n'a été modifié, $OLD_VERSION continue de tourner"
    fi
    if [ "$ROLE" = all ] && [[ "$(env_get "$ENV_FILE_PATH" COULOIR_PUBLIC_URL)" == http://* ]] &&
        ! grep -qE '^[[:space:]]*COULOIR_ALLOW_HTTP=' "$ENV_FILE_PATH"; then
        # Production now refuses an http:// PUBLIC_URL unless told: a Pi installed before that
        # rule keeps serving its phones over plain HTTP (install.sh --https is the better way).
        printf 'COULOIR_ALLOW_HTTP=true\n' >>"$ENV_FILE_PATH"
        log "COULOIR_ALLOW_HTTP=true ajouté à $ENV_FILE (les téléphones joignent ce Pi en HTTP simple)"
    fi
    env_export "$ENV_FILE_PATH"

    if [ "$ROLE" = all ]; then
        local host port
        host="$(env_get "$ENV_FILE_PATH" COULOIR_HOST)"
        port="$(env_get "$ENV_FILE_PATH" COULOIR_PORT)"
        case "$host" in "" | 0.0.0.0 | "::") host=127.0.0.1 ;; esac
        HEALTH_URL="http://$host:${port:-8000}/healthz"
        DB_FILE="$(database_file)"

        sysctl stop couloir-server.service
        if [ -n "$DB_FILE" ] && [ -f "$DB_FILE" ]; then
            # Taken with the service stopped: nothing written after it can be lost by a rollback.
            BACKUP_FILE="$(dirname "$DB_FILE")/updates/couloir-before-$NEW_NAME.db"
            mkdir -p "$(dirname "$BACKUP_FILE")"
            if [ -z "$ROOT" ]; then chown "$SERVICE_USER:" "$(dirname "$BACKUP_FILE")"; fi
            if ! as_service "$(target "$PREFIX/current")/bin/couloir" backup "$BACKUP_FILE"; then
                sysctl start couloir-server.service || true
                rm -rf "$new_venv"
                die "la sauvegarde avant la mise à jour a échoué ; rien n'a été modifié, $OLD_VERSION a redémarré"
            fi
            log "base de données sauvegardée dans $BACKUP_FILE"
        elif [ -z "$DB_FILE" ]; then
            warn "base PostgreSQL : sauvegardez-la vous-même (pg_dump) avant les mises à jour ; pas de restauration automatique"
        fi
        as_service "$new_venv/bin/couloir" migrate || rollback "les migrations de $NEW_VERSION ont échoué"
        point_current "$NEW_NAME"
        sysctl start couloir-server.service || rollback "couloir-server n'a pas démarré"
        wait_healthy "$NEW_VERSION" || rollback "Couloir $NEW_VERSION n'est pas en bonne santé"
        restart_display_if_enabled
    else
        point_current "$NEW_NAME"
        sysctl restart couloir-display.service || rollback "couloir-display n'a pas démarré"
    fi
    prune
    refresh_deploy
    log "Mis à jour : Couloir $OLD_VERSION -> $NEW_VERSION."
}

main "$@"
