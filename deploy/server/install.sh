#!/usr/bin/env bash
# install.sh — turn a Debian (trixie) host into a Couloir central service: N instances of
# "couloir serve" behind Caddy, on one PostgreSQL shared by every host.
#
#   sudo ./install.sh --public-url https://couloir.example.fr --local-postgres
#   sudo ./install.sh --public-url https://couloir.example.fr \
#        --database-url 'postgresql+psycopg://couloir:PW@db.example.fr:5432/couloir' --instances 4
#
# Safe to run again: every file is compared before it is written, the secret key is never
# regenerated, and a run that finds everything in place says "Rien à changer". Given a
# newer --source, it installs it beside the running one and restarts the instances one by
# one. See README.md next to this script.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$HERE/lib/common.sh"

PREFIX=/opt/couloir
CONF_DIR=/etc/couloir
ENV_FILE=$CONF_DIR/couloir.env
DATA_DIR=/var/lib/couloir
UNIT_DIR=/etc/systemd/system
CADDYFILE=/etc/caddy/Caddyfile
SERVICE_USER=couloir

INSTANCES=2
BASE_PORT=8001
WORKERS=1 WORKERS_GIVEN=0
PUBLIC_URL="" PUBLIC_URL_GIVEN=0
DATABASE_URL="" DATABASE_URL_GIVEN=0
LOCAL_POSTGRES=0
DB_NAME=couloir
TLS=auto
ACME_EMAIL=""
TRUSTED_PROXIES=""
BACKUP=1
BACKUP_DIR=/var/backups/couloir
BACKUP_KEEP=14
SOURCE=""
PYTHON="${PYTHON:-python3}"
UPGRADED=0
ENV_CHANGED=0
CADDY_CHANGED=0
# Options remembered between runs (install.conf): a later run without them keeps them.
SAVED=/etc/couloir/install.conf
SAVED_KEYS=(INSTANCES BASE_PORT TLS ACME_EMAIL TRUSTED_PROXIES BACKUP BACKUP_DIR BACKUP_KEEP)
declare -A GIVEN=()

usage() {
    cat <<'EOF'
Usage : install.sh --public-url URL (--database-url URL | --local-postgres) [options]

Service :
  --public-url URL       adresse utilisée par les téléphones et les écrans (https://... ; mise
                         dans les QR codes)
  --database-url URL     postgresql+psycopg://UTILISATEUR:MOT_DE_PASSE@HÔTE:PORT/BASE, la même
                         sur chaque hôte
  --local-postgres       crée plutôt le rôle et la base dans le PostgreSQL de cet hôte
                         (mot de passe généré, écrit seulement dans le fichier de réglages)
  --instances N          unités couloir-server@PORT sur cet hôte (par défaut 2)
  --base-port N          port de la première instance ; les autres suivent (par défaut 8001)
  --workers N            processus de travail par instance (par défaut 1)

Caddy (HTTPS et répartition de charge) :
  --tls auto|internal|off  auto : certificat public pour le nom de l'URL publique (ACME) ;
                         internal : autorité de certification propre à Caddy ; off : HTTP
                         simple sur le port 80, pour un répartiteur de charge placé devant qui
                         fait le TLS (par défaut auto)
  --acme-email ADRESSE   adresse de contact pour le certificat public (tls auto)
  --trusted-proxies "CIDR..."  répartiteurs de charge dont Caddy transmet le X-Forwarded-For

Sauvegardes :
  --backup-dir DOSSIER   dossier des pg_dump nocturnes (par défaut /var/backups/couloir)
  --backup-keep N        sauvegardes gardées (par défaut 14)
  --no-backup            pas de sauvegarde nocturne sur cet hôte (un autre hôte s'en charge)

Système :
  --source DOSSIER|ROUE  ce qu'il faut installer (par défaut : le dépôt qui contient ce script)
  --python PY            interpréteur de l'environnement virtuel (par défaut python3)
  --root DOSSIER         écrit tout sous DOSSIER, ne lance aucune commande système (préparation, tests)
  --dry-run              affiche chaque action, ne change rien
  -h, --help             cette aide
EOF
}

parse_args() {
    while [ "$#" -gt 0 ]; do
        case "$1" in
            --public-url) need_value "$@" && PUBLIC_URL="$2" PUBLIC_URL_GIVEN=1 && shift ;;
            --database-url) need_value "$@" && DATABASE_URL="$2" DATABASE_URL_GIVEN=1 && shift ;;
            --local-postgres) LOCAL_POSTGRES=1 ;;
            --instances) need_value "$@" && INSTANCES="$2" GIVEN[INSTANCES]=1 && shift ;;
            --base-port) need_value "$@" && BASE_PORT="$2" GIVEN[BASE_PORT]=1 && shift ;;
            --workers) need_value "$@" && WORKERS="$2" WORKERS_GIVEN=1 && shift ;;
            --tls) need_value "$@" && TLS="$2" GIVEN[TLS]=1 && shift ;;
            --acme-email) need_value "$@" && ACME_EMAIL="$2" GIVEN[ACME_EMAIL]=1 && shift ;;
            --trusted-proxies) need_value "$@" && TRUSTED_PROXIES="$2" GIVEN[TRUSTED_PROXIES]=1 && shift ;;
            --backup-dir) need_value "$@" && BACKUP_DIR="$2" GIVEN[BACKUP_DIR]=1 && shift ;;
            --backup-keep) need_value "$@" && BACKUP_KEEP="$2" GIVEN[BACKUP_KEEP]=1 && shift ;;
            --no-backup) BACKUP=0 GIVEN[BACKUP]=1 ;;
            --source) need_value "$@" && SOURCE="$2" && shift ;;
            --python) need_value "$@" && PYTHON="$2" && shift ;;
            --root) need_value "$@" && ROOT="$2" && shift ;;
            --dry-run) DRY_RUN=1 ;;
            -h | --help) usage && exit 0 ;;
            *) die "option inconnue « $1 » (voir --help)" ;;
        esac
        shift
    done
}

# load_saved: the remembered value of every option this run does not give.
load_saved() {
    local key value file
    file="$(target "$SAVED")"
    [ -f "$file" ] || return 0
    for key in "${SAVED_KEYS[@]}"; do
        [ -n "${GIVEN[$key]:-}" ] && continue
        grep -qE "^$key=" "$file" || continue
        value="$(env_get "$file" "$key")"
        printf -v "$key" '%s' "$value"
    done
}

save_options() {
    local key content
    content="$(
        printf '# Options of deploy/server/install.sh, remembered for its next run (edit with it).\n'
        for key in "${SAVED_KEYS[@]}"; do env_line "$key" "${!key}"; done
    )"
    put_file "$SAVED" 644 root:root <<<"$content"
}

# whole_number NAME VALUE MIN MAX: die unless VALUE is a whole number in [MIN, MAX].
whole_number() {
    case "$2" in '' | *[!0-9]*) die "$1 doit être un nombre entier, pas « $2 »" ;; esac
    if [ "$2" -lt "$3" ] || [ "$2" -gt "$4" ]; then die "$1 doit être compris entre $3 et $4, pas $2"; fi
}

validate_args() {
    if [ -n "$ROOT" ]; then
        [ -d "$ROOT" ] || die "--root $ROOT : dossier introuvable"
        ROOT="$(cd "$ROOT" && pwd)"
    fi
    whole_number --instances "$INSTANCES" 1 64
    whole_number --workers "$WORKERS" 1 64
    whole_number --base-port "$BASE_PORT" 1024 65535
    whole_number --backup-keep "$BACKUP_KEEP" 1 3650
    [ $((BASE_PORT + INSTANCES - 1)) -le 65535 ] || die "--base-port $BASE_PORT ne laisse pas la place pour $INSTANCES instances"
    case "$PUBLIC_URL" in
        "" | https://?*) ;;
        http://?*) [ "$TLS" = off ] || die "--public-url doit être en https:// (les téléphones s'y connectent) ; http:// simple seulement avec --tls off derrière un répartiteur de charge qui fait le TLS" ;;
        *) die "--public-url doit commencer par https://" ;;
    esac
    case "$PUBLIC_URL" in *[[:space:]\"\'\\]*) die "--public-url ne doit contenir ni espaces ni guillemets" ;; esac
    case "$DATABASE_URL" in
        "" | postgresql://?* | postgresql+psycopg://?*) ;;
        sqlite*) die "--database-url : le service central demande PostgreSQL (SQLite est pour un Pi seul)" ;;
        *) die "--database-url doit commencer par postgresql+psycopg://" ;;
    esac
    if [ "$LOCAL_POSTGRES" = 1 ] && [ -n "$DATABASE_URL" ]; then
        die "choisissez l'un ou l'autre : --database-url URL ou --local-postgres"
    fi
    case "$TLS" in auto | internal | off) ;; *) die "--tls doit valoir auto, internal ou off, pas « $TLS »" ;; esac
    case "$ACME_EMAIL" in "" | ?*@?*.?*) ;; *) die "--acme-email doit être une adresse e-mail" ;; esac
    case "$ACME_EMAIL$TRUSTED_PROXIES" in *[\"\'\\\{\}]*) die "--acme-email et --trusted-proxies ne doivent contenir ni guillemets ni accolades" ;; esac
    local proxy
    for proxy in $TRUSTED_PROXIES; do
        [[ "$proxy" =~ ^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$ ]] ||
            die "--trusted-proxies : « $proxy » n'est ni une adresse IP ni une plage CIDR"
    done
    case "$BACKUP_DIR" in /*) ;; *) die "--backup-dir doit être un chemin absolu" ;; esac
    local env
    env="$(target "$ENV_FILE")"
    if [ ! -f "$env" ]; then
        [ -n "$PUBLIC_URL" ] || die "--public-url URL est nécessaire à la première installation (par exemple https://couloir.example.fr)"
        [ -n "$DATABASE_URL" ] || [ "$LOCAL_POSTGRES" = 1 ] ||
            die "indiquez où est la base de données : --database-url URL, ou --local-postgres pour la créer ici"
    fi
    if [ -z "$ROOT" ] && [ "$DRY_RUN" = 0 ] && [ "$(id -u)" -ne 0 ]; then
        die "lancez ce script en root (sudo $0 ...), ou avec --dry-run pour voir ce qu'il ferait"
    fi
    if [ -z "$SOURCE" ]; then
        SOURCE="$(cd "$HERE/../.." && pwd)"
    fi
    [ -e "$SOURCE" ] || die "--source $SOURCE : fichier ou dossier introuvable"
    SOURCE="$(cd "$(dirname "$SOURCE")" && pwd)/$(basename "$SOURCE")"
}

ports() { seq "$BASE_PORT" $((BASE_PORT + INSTANCES - 1)); }

# --- Debian packages and the service user -----------------------------------------------

packages() {
    local wanted=(python3-venv python3-pip ca-certificates caddy postgresql-client curl)
    [ "$LOCAL_POSTGRES" = 1 ] && wanted+=(postgresql)
    install_packages "${wanted[@]}"
}

service_user() {
    if host_actions && id "$SERVICE_USER" >/dev/null 2>&1; then return 0; fi
    run useradd --system --user-group --home-dir "$DATA_DIR" --no-create-home \
        --shell /usr/sbin/nologin "$SERVICE_USER"
}

# --- Files -------------------------------------------------------------------------------

directories() {
    ensure_dir "$PREFIX" 755
    ensure_dir "$PREFIX/venvs" 755
    ensure_dir "$CONF_DIR" 750 "root:$SERVICE_USER"
    ensure_dir "$DATA_DIR" 750 "$SERVICE_USER:$SERVICE_USER"
    if [ "$BACKUP" = 1 ]; then
        ensure_dir "$BACKUP_DIR" 750 "$SERVICE_USER:$SERVICE_USER"
    fi
}

installed_version() {
    "$1/bin/python" -c 'from importlib.metadata import version; print(version("couloir"))' 2>/dev/null || true
}

virtualenv() {
    local current venv version stamp running=""
    current="$(target "$PREFIX/current")"
    version="$(version_of "$SOURCE")"
    [ -n "$version" ] || die "impossible de lire la version de $SOURCE"
    if [ -e "$current" ]; then
        running="$(installed_version "$current")"
        [ "$running" = "$version" ] && return 0
        [ -n "$running" ] || die "$PREFIX/current ne contient pas de Couloir qui fonctionne : supprimez le lien et relancez"
    fi
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    venv="$PREFIX/venvs/$version-$stamp"
    if [ "$DRY_RUN" = 1 ]; then
        log "créerait l'environnement virtuel $venv, y installerait $SOURCE et ferait pointer $PREFIX/current dessus"
        return 0
    fi
    log "création de l'environnement virtuel $venv (Couloir $version)"
    make_venv "$(target "$venv")" "$SOURCE" || {
        rm -rf "$(target "$venv")"
        die "l'installation de $SOURCE dans $venv a échoué (voir les messages de pip ci-dessus) ; rien d'autre n'a été modifié"
    }
    # Relative link, switched atomically: the same tree works in a staging root.
    ln -sfn "venvs/$version-$stamp" "$current.new"
    mv -Tf "$current.new" "$current"
    log "lien $PREFIX/current -> venvs/$version-$stamp"
    if [ -n "$running" ]; then
        log "mise à niveau : Couloir $running -> $version (les instances redémarrent une à une ci-dessous)"
        UPGRADED=1
    fi
    CHANGES=$((CHANGES + 1))
}

deploy_files() {
    # A copy of this folder stays on the host: the helper scripts, this script and the README.
    local file rel mode
    while IFS= read -r file; do
        rel="${file#"$HERE"/}"
        mode=644
        [ -x "$file" ] && mode=755
        copy_file "$file" "$PREFIX/deploy/$rel" "$mode"
    done < <(find "$HERE" \( -type f -o -type l \) ! -name '*.pyc' ! -path '*/__pycache__/*' | sort)
}

# url_password URL: the password part of a database URL ("" when none).
url_password() {
    local rest="${1#*://}"
    rest="${rest%%@*}"
    case "$rest" in *:*) printf '%s' "${rest#*:}" ;; esac
}

local_postgres() {
    [ "$LOCAL_POSTGRES" = 1 ] || return 0
    local existing password=""
    existing="$(env_get "$(target "$ENV_FILE")" COULOIR_DATABASE_URL)"
    case "$existing" in
        *@127.0.0.1:5432/"$DB_NAME") password="$(url_password "$existing")" ;;
        "") ;;
        *) die "--local-postgres : $ENV_FILE nomme déjà une autre base de données ; modifiez-le ou utilisez --database-url" ;;
    esac
    # Generated once and kept: the role gets the same password on every run.
    [ -n "$password" ] || password="$(random_secret)"
    DATABASE_URL="postgresql+psycopg://$SERVICE_USER:$password@127.0.0.1:5432/$DB_NAME"
    if [ -z "$existing" ]; then DATABASE_URL_GIVEN=1; fi
    # The installed copy: the postgres user may not be able to read this checkout.
    local create=(runuser -u postgres -- "$PREFIX/deploy/bin/couloir-db-create"
        --role "$SERVICE_USER" --database "$DB_NAME")
    if host_actions; then
        log "exécute : ${create[*]} (mot de passe sur l'entrée standard)"
        (cd / && "${create[@]}" <<<"$password") || die "la création du rôle et de la base PostgreSQL a échoué"
    else
        log "exécuterait : ${create[*]} (mot de passe sur l'entrée standard)"
    fi
}

env_file() {
    local file content
    file="$(target "$ENV_FILE")"
    if [ ! -f "$file" ]; then
        # The secret key is generated here, once, and goes only into this file (mode 0600).
        content="$(
            printf '# Couloir central service settings, read by the couloir-* systemd units.\n'
            printf '# Written once by install.sh; edit freely. Re-running install.sh never\n'
            printf '# overwrites this file: it only updates the values given on its command line.\n'
            printf '# Every host of the service needs the SAME COULOIR_SECRET_KEY and database URL.\n'
            env_line COULOIR_ENV production
            env_line COULOIR_PUBLIC_URL "$PUBLIC_URL"
            env_line COULOIR_DATABASE_URL "$DATABASE_URL"
            env_line COULOIR_SECRET_KEY "$(random_secret)"
            env_line COULOIR_DATA_DIR "$DATA_DIR"
            env_line COULOIR_WORKERS "$WORKERS"
            case "$PUBLIC_URL" in http://*) env_line COULOIR_ALLOW_HTTP true ;; esac
        )"
        put_file "$ENV_FILE" 600 root:root <<<"$content"
        ENV_CHANGED=$LAST_CHANGED
        return 0
    fi
    # Existing file: keep it, secret included; apply only what the command line says.
    content="$(cat "$file")"
    [ "$PUBLIC_URL_GIVEN" = 1 ] && content="$(env_set "$content" COULOIR_PUBLIC_URL "$PUBLIC_URL")"
    [ "$DATABASE_URL_GIVEN" = 1 ] && content="$(env_set "$content" COULOIR_DATABASE_URL "$DATABASE_URL")"
    [ "$WORKERS_GIVEN" = 1 ] && content="$(env_set "$content" COULOIR_WORKERS "$WORKERS")"
    if [ -z "$(printf '%s\n' "$content" | sed -n 's/^COULOIR_SECRET_KEY=//p')" ]; then
        die "$ENV_FILE n'a pas de COULOIR_SECRET_KEY : copiez-la depuis un autre hôte du service (elle doit être la même partout)"
    fi
    put_file "$ENV_FILE" 600 root:root <<<"$content"
    ENV_CHANGED=$LAST_CHANGED
}

UNITS_CHANGED=()
units() {
    local vars=(PREFIX="$PREFIX" ENV_FILE="$ENV_FILE" USER="$SERVICE_USER"
        BACKUP_DIR="$BACKUP_DIR" KEEP="$BACKUP_KEEP")
    local unit content
    for unit in couloir-server@.service couloir-migrate.service couloir-pgdump.service; do
        content="$(render_template "$HERE/systemd/$unit.in" "${vars[@]}")"
        put_file "$UNIT_DIR/$unit" 644 <<<"$content"
        if [ "$LAST_CHANGED" = 1 ]; then UNITS_CHANGED+=("$unit"); fi
    done
    for unit in couloir-server.target couloir-pgdump.timer; do
        copy_file "$HERE/systemd/$unit" "$UNIT_DIR/$unit" 644
        if [ "$LAST_CHANGED" = 1 ]; then UNITS_CHANGED+=("$unit"); fi
    done
    return 0
}

# public_host: the host name of the public URL (no scheme, port or path).
public_host() {
    local url="$PUBLIC_URL"
    [ -n "$url" ] || url="$(env_get "$(target "$ENV_FILE")" COULOIR_PUBLIC_URL)"
    url="${url#*://}"
    url="${url%%/*}"
    printf '%s' "${url%:*}"
}

caddy_config() {
    local host upstreams="" port global="" site tls="" extra="" proxies="" content
    host="$(public_host)"
    [ -n "$host" ] || die "pas de COULOIR_PUBLIC_URL dans $ENV_FILE"
    for port in $(ports); do upstreams="$upstreams 127.0.0.1:$port"; done
    upstreams="${upstreams# }"
    [ -n "$ACME_EMAIL" ] && global="	email $ACME_EMAIL"
    # The agency's load balancer in front: keep the X-Forwarded-For it sends (Caddy 2.6
    # reads this in reverse_proxy; from 2.7 on it is the global "servers" option instead).
    [ -n "$TRUSTED_PROXIES" ] && proxies="			trusted_proxies $TRUSTED_PROXIES"
    case "$TLS" in
        auto) site="$host" ;;
        internal)
            site="$host"
            tls="	tls internal"
            global="${global:+$global
}	skip_install_trust"
            # Screens and phones must trust this CA once: they fetch it over plain HTTP.
            extra="
http://$host {
	handle /couloir-ca.crt {
		root * /var/lib/caddy/.local/share/caddy/pki/authorities/local
		rewrite * /root.crt
		header Content-Type application/x-x509-ca-cert
		file_server
	}
	handle {
		redir https://{host}{uri} 308
	}
}"
            ;;
        off)
            site=":80"
            global="${global:+$global
}	auto_https off"
            ;;
    esac
    content="$(render_template "$HERE/conf/Caddyfile.in" GLOBAL="$global" SITE="$site" \
        TLS="$tls" UPSTREAMS="$upstreams" PROXIES="$proxies" EXTRA="$extra")"
    # Options left empty leave blank lines right after an opening brace: drop them.
    content="$(printf '%s\n' "$content" | awk '!(prev ~ /[{]$/ && $0 ~ /^[[:space:]]*$/) { print; prev = $0 }')"
    put_file "$CADDYFILE" 644 <<<"$content"
    CADDY_CHANGED=$LAST_CHANGED
}

# --- systemd ---------------------------------------------------------------------------------


# enabled_instances: ports of the couloir-server@ instances enabled now.
enabled_instances() {
    local link name
    for link in "$(target "$UNIT_DIR")"/couloir-server.target.wants/couloir-server@*.service; do
        [ -e "$link" ] || [ -L "$link" ] || continue
        name="${link##*/couloir-server@}"
        printf '%s\n' "${name%.service}"
    done
}

# wait_healthy PORT: poll the instance's /healthz until it answers 200 (90 s at most).
wait_healthy() {
    host_actions || return 0
    local url="http://127.0.0.1:$1/healthz" deadline=$((SECONDS + 90))
    while [ "$SECONDS" -lt "$deadline" ]; do
        if curl -fsS -o /dev/null --max-time 3 "$url" 2>/dev/null; then
            log "instance $1 en bonne santé : $url"
            return 0
        fi
        sleep 2
    done
    die "pas de réponse de $url après 90 s : journalctl -u couloir-server@$1 -n 50 (les autres instances sont laissées telles quelles)"
}

services() {
    local port unit restart=0 wanted
    wanted=" $(ports | tr '\n' ' ')"
    if [ "${#UNITS_CHANGED[@]}" -gt 0 ]; then run systemctl daemon-reload; fi
    # Fewer instances than before: the extra ones stop (their streams reconnect elsewhere).
    for port in $(enabled_instances); do
        case "$wanted" in *" $port "*) ;; *) run systemctl disable --now "couloir-server@$port.service" ;; esac
    done
    unit_enabled couloir-server.target || run systemctl enable couloir-server.target
    if [ "$UPGRADED" = 1 ] || [ "$ENV_CHANGED" = 1 ] ||
        [[ " ${UNITS_CHANGED[*]:-} " == *" couloir-server@.service "* ]]; then
        restart=1
    fi
    # The schema first, once, with the version now installed.
    if [ "$restart" = 1 ] || ! unit_active "couloir-server@$BASE_PORT.service"; then
        run systemctl start couloir-migrate.service
    fi
    # One instance at a time, each healthy before the next: Caddy sends requests to the
    # others meanwhile and the restarted instance's screens reconnect with jitter.
    for port in $(ports); do
        unit="couloir-server@$port.service"
        unit_enabled "$unit" || run systemctl enable "$unit"
        if ! unit_active "$unit"; then
            run systemctl start "$unit"
            wait_healthy "$port"
        elif [ "$restart" = 1 ]; then
            run systemctl restart "$unit"
            wait_healthy "$port"
        fi
    done
    unit_enabled caddy.service || run systemctl enable caddy.service
    if [ "$CADDY_CHANGED" = 1 ]; then run systemctl reload-or-restart caddy.service; fi
    if [ "$BACKUP" = 1 ]; then
        unit_enabled couloir-pgdump.timer || run systemctl enable --now couloir-pgdump.timer
    elif ! host_actions || unit_enabled couloir-pgdump.timer; then
        run systemctl disable --now couloir-pgdump.timer
    fi
}

main() {
    parse_args "$@"
    load_saved
    validate_args
    [ "$DRY_RUN" = 1 ] && log "essai à blanc : rien ne sera modifié"
    [ -n "$ROOT" ] && log "racine de préparation $ROOT : les commandes système sont affichées, pas exécutées"
    packages
    service_user
    directories
    virtualenv
    deploy_files
    local_postgres
    env_file
    units
    caddy_config
    save_options
    services
    if [ "$CHANGES" -eq 0 ] && [ "$DRY_RUN" = 0 ]; then
        log "Rien à changer : cet hôte est déjà installé."
    elif [ "$DRY_RUN" = 1 ]; then
        log "Essai à blanc terminé : rien n'a été modifié."
    else
        log "Terminé : $CHANGES modification(s). Instances : $(ports | sed 's/^/couloir-server@/' | tr '\n' ' ')"
    fi
    return 0
}

main "$@"
