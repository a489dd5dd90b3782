"""CheckCellMetadata: nbgrader's check of every cell's metadata, with its schema checked once.

nbgrader validates each cell's nbgrader metadata with `jsonschema.validate`, which
first checks nbgrader's own schema against JSON Schema's metaschema, again for every
cell of every notebook: most of the CPU time autograde spends outside the kernel.
Here the schema is checked once per process; every check on the cells, and every
error, is nbgrader's (tests/coursekit/test_check_cell_metadata.py compares them).
"""

import traceback

import jsonschema
from nbgrader.nbgraderformat.common import (
    BaseMetadataValidator,
    SchemaTooNewError,
    SchemaTooOldError,
    ValidationError,
)
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import CheckCellMetadata as NbgraderCheckCellMetadata


class SchemaCheckedOnce(BaseMetadataValidator):
    """BaseMetadataValidator.validate_cell, with one jsonschema validator per process."""

    _validators = {}  # schema version -> a validator of nbgrader's schema, checked once

    def schema_validator(self):
        if self.schema_version not in self._validators:
            validator_class = jsonschema.validators.validator_for(self.schema)
            validator_class.check_schema(self.schema)
            self._validators[self.schema_version] = validator_class(self.schema)
        return self._validators[self.schema_version]

    def validate_cell(self, cell):
        if "nbgrader" not in cell.metadata:
            return
        version = cell.metadata["nbgrader"].get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(
                f"Outdated schema version: {version} (expected {self.schema_version})",
                version,
                self.schema_version,
            )
        if version > self.schema_version:
            raise SchemaTooNewError(
                f"Schema version is too new: {version} (expected {self.schema_version})",
                version,
                self.schema_version,
            )
        errors = self.schema_validator().iter_errors(cell.metadata["nbgrader"])
        error = jsonschema.exceptions.best_match(errors)
        if error is not None:
            raise error  # what jsonschema.validate raises


class MetadataValidator(MetadataValidatorV3, SchemaCheckedOnce):
    """nbgrader's MetadataValidator (schema 3): its checks, over SchemaCheckedOnce."""


class CheckCellMetadata(NbgraderCheckCellMetadata):
    """nbgrader's CheckCellMetadata, validating with the MetadataValidator above."""

    def preprocess(self, nb, resources):
        try:
            MetadataValidator().validate_nb(nb)
        except ValidationError:
            self.log.error(traceback.format_exc())
            msg = "Notebook failed to validate; the nbgrader metadata may be corrupted."
            self.log.error(msg)
            raise ValidationError(msg) from None
        return nb, resources
