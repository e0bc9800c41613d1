"""Pydantic's validation messages in French: one translation per error type, used by the 422 answer.

Only pydantic's (and FastAPI's) own English messages are translated; the French messages that
Couloir's models raise themselves (``PydanticCustomError`` in ``api.models.fields``…) are kept.
``loc`` and ``type`` never change: programs rely on them.

>>> french_message({"type": "string_too_short", "msg": "String should have at least 3 characters",
...                 "ctx": {"min_length": 3}})
'au moins 3 caractères'
>>> french_message({"type": "text_empty", "msg": "ne peut pas être vide"})
'ne peut pas être vide'
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from typing import Any

from pydantic_core import PydanticKnownError

_DATE = "date attendue au format AAAA-MM-JJ"
_MOMENT = "date et heure attendues au format ISO 8601 (AAAA-MM-JJTHH:MM:SS, fuseau compris)"
_OBJECT = "objet JSON attendu"
_LIST = "liste JSON attendue"

# ``{name}`` is the context value; ``{name:noun}`` writes the number and the noun, plural from 2.
MESSAGES: dict[str, str] = {
    "no_such_attribute": "attribut inconnu : {attribute}",
    "json_invalid": "JSON illisible : vérifiez les guillemets, virgules et accolades",
    "json_type": "JSON attendu sous forme de texte",
    "needs_python_object": "vérification impossible sur des données JSON",
    "recursion_loop": "données qui se contiennent elles-mêmes",
    "recursion_depth_exceeded": "données trop imbriquées",
    "missing": "champ obligatoire",
    "frozen_field": "champ non modifiable",
    "frozen_instance": "objet non modifiable",
    "extra_forbidden": "champ inconnu",
    "invalid_key": "les clés doivent être du texte",
    "get_attribute_error": "attribut illisible",
    "model_type": _OBJECT,
    "model_attributes_type": _OBJECT,
    "dataclass_type": _OBJECT,
    "dataclass_exact_type": _OBJECT,
    "named_tuple_type": "liste ou objet JSON attendu",
    "default_factory_not_called": "valeur par défaut incalculable : un autre champ est refusé",
    "none_required": "doit valoir null",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "multiple_of": "doit être un multiple de {multiple_of}",
    "finite_number": "nombre fini attendu",
    "too_short": "au moins {min_length:élément}, reçu {actual_length}",
    "too_long": "{max_length:élément} au maximum",
    "iterable_type": _LIST,
    "iteration_error": "liste illisible",
    "string_type": "texte attendu",
    "string_unicode": "texte Unicode valide attendu",
    "string_too_short": "au moins {min_length:caractère}",
    "string_too_long": "{max_length:caractère} au maximum",
    "string_pattern_mismatch": "forme non reconnue, motif attendu : {pattern}",
    "string_not_ascii": "caractères ASCII seulement",
    "enum": "valeur attendue : {expected}",
    "dict_type": _OBJECT,
    "frozen_dict_type": _OBJECT,
    "ordered_dict_type": _OBJECT,
    "counter_type": _OBJECT,
    "mapping_type": _OBJECT,
    "list_type": _LIST,
    "deque_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "set_item_not_hashable": "éléments de liste incomparables",
    "bool_type": "true ou false attendu",
    "bool_parsing": "true ou false attendu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_parsing_size": "nombre entier trop grand",
    "int_from_float": "nombre entier attendu, sans partie décimale",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "bytes_type": "octets attendus",
    "bytes_too_short": "au moins {min_length:octet}",
    "bytes_too_long": "{max_length:octet} au maximum",
    "bytes_invalid_encoding": "encodage {encoding} invalide",
    "value_error": "{error}",
    "assertion_error": "{error}",
    "literal_error": "valeur attendue : {expected}",
    "missing_sentinel_error": "valeur MISSING attendue",
    "ellipsis_error": "valeur Ellipsis attendue",
    "date_type": _DATE,
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "date sans heure attendue",
    "date_past": "date passée attendue",
    "date_future": "date à venir attendue",
    "time_type": "heure attendue au format HH:MM:SS",
    "time_parsing": "heure attendue au format HH:MM:SS",
    "datetime_type": _MOMENT,
    "datetime_parsing": _MOMENT,
    "datetime_object_invalid": _MOMENT,
    "datetime_from_date_parsing": _MOMENT,
    "datetime_past": "instant passé attendu",
    "datetime_future": "instant à venir attendu",
    "timezone_naive": "date et heure sans fuseau horaire attendues",
    "timezone_aware": "fuseau horaire attendu, par exemple +01:00",
    "timezone_offset": "décalage horaire de {tz_expected:seconde} attendu, reçu {tz_actual}",
    "time_delta_type": "durée attendue",
    "time_delta_parsing": "durée attendue",
    "frozen_set_type": _LIST,
    "is_instance_of": "type de valeur inattendu",
    "is_subclass_of": "type de valeur inattendu",
    "callable_type": "fonction attendue",
    "union_tag_invalid": "« {tag} » inconnu dans {discriminator}, valeurs attendues : "
    "{expected_tags}",
    "union_tag_not_found": "champ {discriminator} manquant",
    "arguments_type": "arguments attendus en liste ou en objet",
    "missing_argument": "argument obligatoire",
    "unexpected_keyword_argument": "argument inconnu",
    "missing_keyword_only_argument": "argument nommé obligatoire",
    "unexpected_positional_argument": "argument positionnel en trop",
    "missing_positional_only_argument": "argument positionnel obligatoire",
    "multiple_argument_values": "argument donné deux fois",
    "url_type": "adresse web attendue",
    "url_parsing": "adresse web invalide",
    "url_syntax_violation": "adresse web mal formée",
    "url_too_long": "{max_length:caractère} au maximum",
    "url_scheme": "adresse web commençant par {expected_schemes} attendue",
    "uuid_type": "UUID attendu",
    "uuid_parsing": "UUID attendu",
    "uuid_version": "UUID de version {expected_version} attendu",
    "decimal_type": "nombre décimal attendu",
    "decimal_parsing": "nombre décimal attendu",
    "decimal_max_digits": "{max_digits:chiffre} au maximum",
    "decimal_max_places": "{decimal_places:décimale} au maximum",
    "decimal_whole_digits": "{whole_digits:chiffre} au maximum avant la virgule",
    "fraction_type": "fraction attendue",
    "fraction_parsing": "fraction attendue",
    "complex_type": "nombre complexe attendu",
    "complex_str_parsing": "nombre complexe attendu",
}
"""One French message per pydantic error type (tests/api/test_validation_french.py checks the
list against pydantic_core's)."""

# FastAPI's own wording for a body that is not JSON (pydantic would say "Invalid JSON: …").
_FASTAPI_MESSAGES = {("json_invalid", "JSON decode error")}
# Pydantic lists choices as "'a', 'b' or 'c'".
_LAST_CHOICE = re.compile(r" or (?=[^,]*$)")


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec:
            plural = isinstance(value, int | float) and abs(value) >= 2
            return f"{value} {format_spec}{'s' if plural else ''}"
        if isinstance(value, str):
            return _LAST_CHOICE.sub(" ou ", value)
        return str(value)


_FORMATTER = _Formatter()


def _is_pydantics_own(error: Mapping[str, Any]) -> bool:
    """Whether ``msg`` is the English text pydantic or FastAPI wrote for this error type."""
    kind, msg = error.get("type", ""), error.get("msg", "")
    if (kind, msg) in _FASTAPI_MESSAGES:
        return True
    try:
        return PydanticKnownError(kind, error.get("ctx")).message() == msg
    except (KeyError, TypeError, ValueError):
        return False


def french_message(error: Mapping[str, Any]) -> str:
    """The French ``msg`` of one validation error (an item of ``ValidationError.errors()``).

    >>> french_message({"type": "literal_error", "msg": "Input should be 'cde' or 'cdde'",
    ...                 "ctx": {"expected": "'cde' or 'cdde'"}})
    "valeur attendue : 'cde' ou 'cdde'"
    """
    msg = str(error.get("msg", ""))
    template = MESSAGES.get(error.get("type", ""))
    if template is None or not _is_pydantics_own(error):
        return msg
    try:
        return _FORMATTER.format(template, **dict(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        # A context without the value the template names: the sentence without the detail.
        return template.split(" : ")[0].split("{")[0].strip(" ,:")
