# Tartan for ECS task definitions written in Terraform: the task's container definitions go
# through the instrument program (Terraform's external data source, no provider of its own) and
# come back instrumented. See docs/instrument.md, "Terraform".
#
#   module "tartan" {
#     source                = "./deploy/terraform/tartan-instrument"
#     container_definitions = jsonencode([{ name = "app", image = "...", essential = true }])
#     binaries_image        = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tartan-binaries:1"
#   }
#   resource "aws_ecs_task_definition" "app" {
#     container_definitions = module.tartan.container_definitions
#     ...
#   }
#
# Protocol (instrument --terraform): stdin is one JSON object of strings (the query below), stdout
# one JSON object of strings ({"container_definitions": "..."}); a refusal exits 1 with the reason
# on stderr, which Terraform shows. Every instrument option is a query key (binaries_image,
# log_group, include, exclude, sys_ptrace, image_config, offline, pin_digests, ...).

terraform {
  required_version = ">= 1.3"
  required_providers {
    external = {
      source  = "hashicorp/external"
      version = ">= 2.2"
    }
  }
}

variable "container_definitions" {
  description = "The task's container definitions, as jsonencode([...]) gives them"
  type        = string
}

variable "binaries_image" {
  description = "The tartan-binaries image (Dockerfile.binaries), pullable by the task"
  type        = string
}

variable "log_group" {
  description = "CloudWatch Logs group the alerts go to"
  type        = string
  default     = "/tartan/alerts"
}

variable "retention_days" {
  description = "Retention logshipper sets on the group when it creates it"
  type        = number
  default     = 90
}

variable "options" {
  description = "More instrument options by name (docs/instrument.md), e.g. { include = \"app\" }"
  type        = map(string)
  default     = {}
}

variable "instrument" {
  description = "The instrument program (make install puts it in PREFIX/bin)"
  type        = string
  default     = "instrument"
}

data "external" "instrumented" {
  program = [var.instrument, "--terraform"]
  query = merge(var.options, {
    container_definitions = var.container_definitions
    binaries_image        = var.binaries_image
    log_group             = var.log_group
    retention_days        = tostring(var.retention_days)
  })
}

output "container_definitions" {
  description = "The instrumented container definitions (JSON), for aws_ecs_task_definition"
  value       = data.external.instrumented.result.container_definitions
}
