# An ECS Fargate task instrumented with Tartan through deploy/terraform/tartan-instrument, with the
# alert log group and the task role's permission to write to it. Adjust names, images and roles.

# X86_64 or ARM64 (Graviton). tartan-binaries is one multi-platform image (docs/arm64.md), so only
# the task's runtime_platform changes; instrument reads the app image's manifest for the same
# platform (its ENTRYPOINT and CMD may differ between architectures).
locals {
  cpu_architecture = "X86_64"
  image_platform   = { X86_64 = "linux/amd64", ARM64 = "linux/arm64" }[local.cpu_architecture]
}

module "tartan" {
  source         = "./tartan-instrument"
  binaries_image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tartan-binaries:1"
  log_group      = aws_cloudwatch_log_group.alerts.name
  options        = { platform = local.image_platform }
  container_definitions = jsonencode([
    {
      name      = "app"
      image     = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.4.2"
      essential = true
      # no entryPoint/command: instrument reads the image's ENTRYPOINT and CMD from ECR
      portMappings = [{ containerPort = 8080 }]
    }
  ])
}

resource "aws_cloudwatch_log_group" "alerts" {
  name              = "/tartan/alerts"
  retention_in_days = 90
}

resource "aws_iam_role" "task" {
  name = "app-task"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ecs-tasks.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "tartan_alerts" {
  name = "tartan-alerts"
  role = aws_iam_role.task.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:CreateLogGroup", "logs:PutRetentionPolicy"]
      Resource = "${aws_cloudwatch_log_group.alerts.arn}:*"
    }]
  })
}

resource "aws_ecs_task_definition" "app" {
  family                   = "app"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = "512"
  memory                   = "1024"
  task_role_arn            = aws_iam_role.task.arn
  execution_role_arn       = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
  container_definitions    = module.tartan.container_definitions
  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = local.cpu_architecture
  }
}
